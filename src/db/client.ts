// The data layer's two entry points:
//   - `read`: single-statement reads (the hot path; a later step can move these
//     to Neon's HTTP mode without touching routes or services),
//   - `transaction(fn)`: interactive transactions over a WebSocket Pool.
// A Pool cannot outlive its request in Workers, so one is made lazily per
// request (routes that never touch the database never open a socket) and
// closed after the response with waitUntil.
import { neonConfig, Pool } from '@neondatabase/serverless';
import { drizzle, type NeonDatabase } from 'drizzle-orm/neon-serverless';
import * as schema from './schema';

export type Schema = typeof schema;
export type Db = NeonDatabase<Schema>;
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
/** What services take: either the shared reader or a transaction. */
export type Queryable = Db | Tx;

export interface Database {
  readonly read: Db;
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** Closes the per-request pool if one was opened. */
  close(): Promise<void>;
}

let proxyConfigured: string | undefined;

/** Local stack only: route the driver's WebSocket through the dev proxy to a plain Postgres. */
function configureProxy(wsProxy: string): void {
  if (!wsProxy || proxyConfigured === wsProxy) return;
  neonConfig.wsProxy = wsProxy;
  neonConfig.useSecureWebSocket = false;
  neonConfig.pipelineTLS = false;
  neonConfig.pipelineConnect = false;
  proxyConfigured = wsProxy;
}

export function createDatabase(databaseUrl: string, wsProxy: string): Database {
  configureProxy(wsProxy);
  let pool: Pool | undefined;
  let db: Db | undefined;
  const get = (): Db => {
    if (!db) {
      pool = new Pool({ connectionString: databaseUrl, max: 4 });
      // An idle client's socket error must not become an unhandled rejection.
      pool.on('error', () => {});
      db = drizzle({ client: pool, schema });
    }
    return db;
  };
  return {
    get read() {
      return get();
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
