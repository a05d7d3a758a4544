// SQL fragments every statement that returns JSON shares.
import { sql } from 'drizzle-orm';

/** A timestamptz column as the contract's RFC 3339 UTC string, built by Postgres inside json_build_object. */
export const iso = (column: string) =>
  sql.raw(`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`);
