// Direct database access from tests, for arranging states the API cannot reach
// (an expired token row) and for asserting what the API wrote.
import { env } from 'cloudflare:test';
import { createDatabase, type Db } from '../../src/db/client';

export async function withDb<T>(fn: (db: Db) => Promise<T>): Promise<T> {
  const database = createDatabase(env.DATABASE_URL, env.WS_PROXY);
  try {
    return await fn(database.query);
  } finally {
    await database.close();
  }
}

/** Reads over SQL-over-HTTP: one fetch per statement and no socket to open, for assertions in tight loops. */
export function httpDb(): Db {
  return createDatabase(env.DATABASE_URL, env.WS_PROXY, { httpReads: true, httpEndpoint: env.NEON_HTTP_ENDPOINT })
    .query;
}
