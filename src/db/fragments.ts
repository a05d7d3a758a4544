// SQL fragments every statement that returns JSON shares.
import { type SQL, sql } from 'drizzle-orm';

/** A timestamptz column as the contract's RFC 3339 UTC string, built by Postgres inside json_build_object. */
export const iso = (column: string) => sql.raw(isoText(column));

/**
 * What anyone may see: the one definition of "visible", for every read that
 * lists or serves packages and versions. Operators' takedowns are what hide
 * things; yanks do not (a yanked version is still described and downloadable).
 * Listings (search, trending, categories, home) need no fragment of their own:
 * they show packages whose `latest_version` is set, and refreshLatest leaves it
 * null for a hidden package or when every version is hidden.
 */
export const visiblePackage = (alias: string) => sql.raw(`${alias}.taken_down_at is null`);
export const visibleVersion = (alias: string) => sql.raw(`${alias}.taken_down_at is null`);

/**
 * Why a version (alias `v`) of a package (alias `p`) is not served, as JSON
 * `{scope, reason, taken_down_at}`, or null when it is visible. The package's
 * takedown wins over the version's.
 */
export const takedownOf = (p: string, v?: string) =>
  sql.raw(`case
    when ${p}.taken_down_at is not null then json_build_object('scope', 'package',
      'reason', coalesce(${p}.takedown_reason, ''), 'taken_down_at', ${isoText(`${p}.taken_down_at`)})
    ${
      v === undefined
        ? ''
        : `when ${v}.taken_down_at is not null then json_build_object('scope', 'version',
      'reason', coalesce(${v}.takedown_reason, ''), 'taken_down_at', ${isoText(`${v}.taken_down_at`)})`
    }
  end`);

/**
 * A package's (alias `p`) rows of `table` (alias `row`) that record who made
 * them, as a JSON array of `json`, oldest first, `[]` for none; the maker is
 * joined as `u`. Owners-only listings (webhooks, trusted publishers) read it in
 * the same statement as the caller's role.
 */
export const madeRowsJson = (table: 'webhooks' | 'trusted_publishers', row: string, json: SQL) => {
  const from = sql.raw(`${table} ${row} left join users u on u.id = ${row}.created_by`);
  return sql`coalesce((
    select json_agg(${json} order by ${sql.raw(`${row}.created_at, ${row}.id`)})
    from ${from} where ${sql.raw(row)}.package_id = p.id
  ), '[]'::json)`;
};

function isoText(column: string): string {
  return `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}
