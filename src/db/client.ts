// The data layer's two entry points:
//   - `query`: single-statement work, reads and writes alike (the hot path). With HTTP reads on, each
//     statement is one fetch to Neon's SQL-over-HTTP endpoint (drizzle-orm/neon-http),
//     which runs it on Neon's pooled connections: no socket or session to set up.
//     Otherwise it shares the request's WebSocket Pool with `transaction`.
//   - `transaction(fn)`: interactive transactions over a WebSocket Pool.
// A Pool cannot outlive its request in Workers, so one is made lazily per
// request (routes that never touch it never open a socket) and closed after the
// response with waitUntil. The HTTP reader holds no connection, so it is built
// once per isolate and connection string and shared by every request.
import { neon, neonConfig, Pool } from '@neondatabase/serverless';
import { drizzle as drizzleHttp } from 'drizzle-orm/neon-http';
import { drizzle as drizzleWs, type NeonDatabase } from 'drizzle-orm/neon-serverless';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type { Config } from '../config';
import * as schema from './schema';

type Schema = typeof schema;

/**
 * What `execute()` gives back in both modes: neon-serverless returns pg's
 * QueryResult, neon-http the driver's full results; both carry `rows`.
 */
interface ReadResult<TRow> {
  rows: TRow[];
  rowCount: number | null;
}
interface ReadResultHKT extends PgQueryResultHKT {
  type: ReadResult<this['row']>;
}

/** The reader: satisfied by both the neon-http and the neon-serverless Drizzle instances. */
export type Db = PgDatabase<ReadResultHKT, Schema>;
type PoolDb = NeonDatabase<Schema>;
export type Tx = Parameters<Parameters<PoolDb['transaction']>[0]>[0];
/** What services take: either the shared reader or a transaction. */
export type Queryable = Db | Tx;
/** One page of a listing: LIMIT and OFFSET, already bounded by the route's query schema. */
export type Page = { limit: number; offset: number };

export interface Database {
  /** One statement: over HTTP when DB_HTTP_READS is on, else on the request's Pool. */
  readonly query: Db;
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** Closes the per-request pool if one was opened. */
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** Single-statement reads over HTTP (one fetch each) instead of the WebSocket Pool. */
  httpReads?: boolean;
  /** Local stack only: the SQL-over-HTTP stand-in (default: /sql on the WS_PROXY host, else Neon's own). */
  httpEndpoint?: string;
}

let proxyConfigured: string | undefined;
let endpointConfigured: string | undefined;
const httpReaders = new Map<string, Db>();

/** Local stack only: route the driver's WebSocket through the dev proxy to a plain Postgres. */
function configureProxy(wsProxy: string): void {
  if (!wsProxy || proxyConfigured === wsProxy) return;
  neonConfig.wsProxy = wsProxy;
  neonConfig.useSecureWebSocket = false;
  neonConfig.pipelineTLS = false;
  neonConfig.pipelineConnect = false;
  proxyConfigured = wsProxy;
}

/**
 * Local stack only: send `neon()`'s fetches to the stand-in instead of
 * https://api.<host>/sql. The dev proxy serves it at /sql next to the WebSocket
 * bridge, so WS_PROXY alone is enough to find it.
 */
function configureFetchEndpoint(explicit: string, wsProxy: string): void {
  const endpoint = explicit || (wsProxy ? `http://${wsProxy.split('/')[0]}/sql` : '');
  if (!endpoint || endpointConfigured === endpoint) return;
  neonConfig.fetchEndpoint = endpoint;
  endpointConfigured = endpoint;
}

function httpReader(databaseUrl: string): Db {
  let db = httpReaders.get(databaseUrl);
  if (!db) {
    db = drizzleHttp({ client: neon(databaseUrl), schema });
    httpReaders.set(databaseUrl, db);
  }
  return db;
}

export function createDatabase(databaseUrl: string, wsProxy: string, options: DatabaseOptions = {}): Database {
  configureProxy(wsProxy);
  if (options.httpReads) configureFetchEndpoint(options.httpEndpoint ?? '', wsProxy);
  let pool: Pool | undefined;
  let db: PoolDb | undefined;
  const get = (): PoolDb => {
    if (!db) {
      pool = new Pool({ connectionString: databaseUrl, max: 4 });
      // An idle client's socket error must not become an unhandled rejection.
      pool.on('error', () => {});
      db = drizzleWs({ client: pool, schema });
    }
    return db;
  };
  const reader = options.httpReads ? httpReader(databaseUrl) : undefined;
  return {
    get query(): Db {
      return reader ?? get();
    },
    transaction: (fn) => get().transaction(fn),
    close: async () => {
      const p = pool;
      pool = undefined;
      db = undefined;
      await p?.end();
    },
  };
}

/**
 * The one way the Worker opens its database: per request (middleware), per
 * batch (queue consumer, cron, download counter). Close it when done.
 */
export function databaseFor(
  config: Pick<Config, 'DATABASE_URL' | 'WS_PROXY' | 'DB_HTTP_READS' | 'NEON_HTTP_ENDPOINT'>,
): Database {
  return createDatabase(config.DATABASE_URL, config.WS_PROXY, {
    httpReads: config.DB_HTTP_READS,
    httpEndpoint: config.NEON_HTTP_ENDPOINT,
  });
}
