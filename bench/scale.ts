// `npm run bench:scale`: does a read's cost grow with the registry? Seeds a
// fresh registry at each size in BENCH_SCALE_SIZES (default 10000,200000
// packages, 5 versions each, 90 days of history), runs every read route under
// load, and prints them side by side: req/s, p50/p99, the share of /health's
// throughput, SQL statements per request and Postgres's execution time per
// statement (pg_stat_statements, mean and max of the heaviest statement). Then
// the write paths, in Postgres time per operation: publish (and the share of
// it that is the counters' statement) and the download flush's statement
// (unchanged: the rollups are the cron's, timed once per size). Writes
// bench/scale-results.json.
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from '../scripts/lib/ports.ts';
import { metadataFromTarball, publish, publishBody } from '../scripts/lib/raven-client.ts';
import { ROOT, startStack, waitForHealth } from '../scripts/lib/stack.ts';
import { type LoadResult, load } from './lib/load.ts';
import { SEED, type SeedSize, seedDatabase, syntheticTarball } from './lib/seed.ts';
import { CONNECTIONS, DURATION, FIXTURES, UNLIMITED as UNLIMITED_BUT_INSTALL } from './lib/settings.ts';

const SIZES = (process.env.BENCH_SCALE_SIZES ?? '10000,200000').split(',').map(Number);
const UNLIMITED = { ...UNLIMITED_BUT_INSTALL, RATE_LIMIT_INSTALL_PER_HOUR: '100000000' };
/** The DownloadCounter flushes 30 s after its first count (FLUSH_DELAY_MS); wait a little longer. */
const FLUSH_WAIT_MS = 36_000;
const FLUSH_PATTERN = 'insert into version_downloads';
const WORDS = ['forms', 'router', 'fetch', 'store', 'test', 'intl', 'widget', 'orm'];
const CATEGORIES = ['ui', 'http', 'database', 'testing', 'utilities', 'frameworks', 'tools'];
const CLIENT_IPS = Array.from({ length: 200 }, (_, i) => `10.0.${i >> 8}.${(i & 255) + 1}`);
const pick = <T>(items: readonly T[]) => items[Math.floor(Math.random() * items.length)]!;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface StatementTime {
  calls: number;
  meanMs: number;
  maxMs: number;
  query: string;
}
interface Row extends LoadResult {
  size: number;
  route: string;
  ofHealth?: number;
  statementsPerRequest: number;
  heaviest?: StatementTime;
}
interface WriteRow {
  size: number;
  path: string;
  operations: number;
  /** Postgres execution time per operation, with the counters and rollups. */
  dbMsPerOperation: number;
  /** The same without them: publish minus the counters' statement; the flush statement before this change. */
  baselineMs: number;
  rps?: number;
  p50?: number;
}

/** Top-level statements of this database since the last reset, the bench's own left out. */
async function statements(client: pg.Client, filter: 'reads' | 'flush' | 'all') {
  const where =
    filter === 'flush'
      ? `and query ilike '%${FLUSH_PATTERN}%'`
      : filter === 'reads'
        ? `and query not ilike '%${FLUSH_PATTERN}%' and query not ilike '%download_flushes%' and query !~* '^(begin|commit|rollback)'`
        : '';
  const { rows } = await client.query<{ query: string; calls: string; mean: number; max: number; total: number }>(
    `select query, calls, mean_exec_time as mean, max_exec_time as max, total_exec_time as total
     from pg_stat_statements
     where toplevel and dbid = (select oid from pg_database where datname = current_database())
       and query not ilike '%pg_stat_statements%' ${where}
     order by mean_exec_time desc`,
  );
  return rows.map((r) => ({ query: r.query, calls: Number(r.calls), mean: r.mean, max: r.max, total: r.total }));
}
const reset = (client: pg.Client) => client.query('select pg_stat_statements_reset()');

async function measureSize(
  size: number,
): Promise<{ rows: Row[]; writes: WriteRow[]; seedSeconds: number; cronMs: number }> {
  const stateDir = mkdtempSync(join(tmpdir(), 'raven-scale-'));
  chmodSync(stateDir, 0o755); // the embedded Postgres runs as its own user when we are root
  const stack = await startStack({
    port: await freePort(),
    stateDir,
    stdio: 'ignore',
    testScheduled: true,
    vars: { ...UNLIMITED, DB_HTTP_READS: 'true' },
    postgresSettings: {
      shared_preload_libraries: 'pg_stat_statements',
      'pg_stat_statements.track': 'all',
      // Postgres's default 128 MB holds the whole 10k registry but not the 200k one's download history
      // (millions of rows): at the default the comparison measures the buffer cache, not the queries. A
      // production database is given memory in proportion to its data (Neon's computes cache far more).
      shared_buffers: process.env.BENCH_SHARED_BUFFERS ?? '1GB',
    },
  });
  // The owner's connection: pg_stat_statements and the seed's bulk load are the owner's.
  const client = new pg.Client({ connectionString: stack.ownerDatabaseUrl });
  try {
    await waitForHealth(stack.url, 180_000); // a busy machine boots wrangler slowly
    await client.connect();
    await client.query('create extension if not exists pg_stat_statements');
    const seedSize: SeedSize = { ...SEED, packages: size };
    console.log(`[${size}] seeding ${size} packages…`);
    const seedStarted = performance.now();
    await seedDatabase(stack.ownerDatabaseUrl, seedSize);
    const seedSeconds = Math.round((performance.now() - seedStarted) / 100) / 10;
    const api = `${stack.url}/api/v1`;
    const token = await register(api);
    for (const file of readdirSync(FIXTURES).filter((f) => f.endsWith('.tar.gz'))) {
      await publish(api, token, new Uint8Array(readFileSync(join(FIXTURES, file))));
    }
    // The cron ranks trending (and folds counters): timed, since its cost does grow with the registry.
    const cronStarted = performance.now();
    const cron = await fetch(`${stack.url}/__scheduled?cron=*+*+*+*+*`);
    await cron.text();
    const cronMs = Math.round(performance.now() - cronStarted);
    console.log(`[${size}] seeded in ${seedSeconds} s; cron run ${cronMs} ms (${cron.status})`);
    // Settle what the load left behind before measuring: autovacuum's work on the new rows and the
    // checkpoint of gigabytes of dirty buffers otherwise land in the middle of a route's run (2.4 s stalls).
    await client.query('vacuum analyze');
    await client.query('checkpoint');

    const rows = await measureReads(stack.url, size, client);
    const writes = await measureWrites(api, stack.url, token, size, client);
    return { rows, writes, seedSeconds, cronMs };
  } finally {
    await client.end().catch(() => {});
    await stack.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

async function register(api: string): Promise<string> {
  const username = `scale-${Date.now().toString(36)}`;
  const res = await fetch(`${api}/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, email: `${username}@bench.test`, password: 'bench passphrase 123' }),
  });
  return ((await res.json()) as { token: string }).token;
}

async function measureReads(base: string, size: number, client: pg.Client): Promise<Row[]> {
  const benchPackage = () => {
    const i = 1 + Math.floor(Math.random() * size);
    return `bench-${WORDS[i % 8]}-${i}`;
  };
  const routes: [string, () => string][] = [
    ['GET /health', () => '/health'],
    ['GET /packages/:name', () => `/api/v1/packages/${benchPackage()}`],
    ['GET /packages/:name/:version', () => `/api/v1/packages/${benchPackage()}/1.0.${Math.floor(Math.random() * 5)}`],
    ['GET /search?q=', () => `/api/v1/search?q=${pick([...WORDS, 'rout', 'raven-fomrs', 'validation'])}`],
    // raven-store: every seeded package's newer versions depend on it.
    ['GET /packages/:name/stats', () => `/api/v1/packages/${pick([benchPackage(), 'raven-store'])}/stats`],
    ['GET /stats (edge-cached 60 s)', () => '/api/v1/stats'],
    [
      'GET /packages/trending week|month (cached 5 min)',
      () => `/api/v1/packages/trending?period=${pick(['week', 'month'])}&limit=${1 + Math.floor(Math.random() * 100)}`,
    ],
    [
      'GET /packages/trending?period=all (cached 5 min)',
      () => `/api/v1/packages/trending?period=all&limit=${1 + Math.floor(Math.random() * 100)}`,
    ],
    [
      'GET /packages/categories/:category',
      () => `/api/v1/packages/categories/${pick(CATEGORIES)}?offset=${20 * Math.floor(Math.random() * 5)}`,
    ],
  ];
  const rows: Row[] = [];
  let health = 0;
  for (const [route, path] of routes) {
    await sleep(1500); // the previous scenario's waitUntil work
    await reset(client);
    const result = await load({
      url: base,
      duration: DURATION,
      connections: CONNECTIONS,
      setupRequest: (req) => ({ ...req, path: path(), headers: { 'cf-connecting-ip': pick(CLIENT_IPS) } }),
    });
    const stmts = await statements(client, 'reads');
    const calls = stmts.reduce((n, s) => n + s.calls, 0);
    const top = stmts.filter((s) => s.calls > 0).sort((a, b) => b.total - a.total)[0];
    if (route === 'GET /health') health = result.rps;
    rows.push({
      size,
      route,
      ...result,
      ofHealth: route === 'GET /health' ? undefined : Math.round((result.rps / health) * 100) / 100,
      statementsPerRequest: result.requests ? Math.round((calls / result.requests) * 100) / 100 : 0,
      heaviest: top && { calls: top.calls, meanMs: round2(top.mean), maxMs: round2(top.max), query: top.query },
    });
    console.log(`[${size}] ${route.padEnd(48)} ${String(result.rps).padStart(6)} req/s  p50 ${result.p50} ms`);
  }
  return rows;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/** The counters' statement in publish (applyCounterDeltas from refreshLatest, src/services/counters.ts). */
const COUNTERS_PATTERN = 'insert into counter_deltas';

/** Publishes one at a time (no lock waits in the DB time): load result, DB ms per publish, and the counters' share. */
async function timedPublishes(api: string, token: string, client: pg.Client, tarballs: Uint8Array[]) {
  const bodies = await Promise.all(tarballs.map(async (t) => publishBody(await metadataFromTarball(t), t)));
  await sleep(1500);
  await reset(client);
  const result = await load({
    url: `${api}/packages/publish`,
    method: 'POST',
    amount: bodies.length,
    connections: 1,
    setupRequest: (req) => {
      const next = bodies.shift()!;
      return {
        ...req,
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': next.contentType },
        body: next.body,
      };
    },
  });
  const all = await statements(client, 'all');
  const dbMs = all.reduce((n, s) => n + s.total, 0);
  const countersMs = all.filter((s) => s.query.includes(COUNTERS_PATTERN)).reduce((n, s) => n + s.total, 0);
  const per = (ms: number) => round2(ms / Math.max(1, result.requests));
  return { result, dbMsPerOperation: per(dbMs), baselineMs: per(dbMs - countersMs) };
}

/**
 * The write paths, timed in Postgres: 20 new packages, 30 new versions of one
 * package, then one download of each new package (so 20 DownloadCounters flush
 * once each, 30 s later).
 */
async function measureWrites(
  api: string,
  base: string,
  token: string,
  size: number,
  client: pg.Client,
): Promise<WriteRow[]> {
  const names = Array.from({ length: 20 }, (_, i) => `scale-new-${i}`);
  const created = await timedPublishes(
    api,
    token,
    client,
    await Promise.all(names.map((n) => syntheticTarball(n, '1.0.0', 16 * 1024))),
  );
  const versioned = await timedPublishes(
    api,
    token,
    client,
    await Promise.all(Array.from({ length: 30 }, (_, i) => syntheticTarball(names[0]!, `1.1.${i}`, 16 * 1024))),
  );
  await reset(client);
  for (const name of names) await (await fetch(`${base}/api/v1/packages/${name}/1.0.0/download`)).arrayBuffer();
  await sleep(FLUSH_WAIT_MS);
  const flush = (await statements(client, 'flush'))[0];
  const row = (path: string, p: Awaited<ReturnType<typeof timedPublishes>>): WriteRow => ({
    size,
    path,
    operations: p.result.requests,
    dbMsPerOperation: p.dbMsPerOperation,
    baselineMs: p.baselineMs,
    rps: p.result.rps,
    p50: p.result.p50,
  });
  return [
    row('publish a new package (16 KiB)', created),
    row('publish a new version (16 KiB)', versioned),
    {
      size,
      // The flush's SQL and the indexes it updates are main's: the rollups are the cron's.
      path: 'download flush statement (one package; SQL unchanged)',
      operations: flush?.calls ?? 0,
      dbMsPerOperation: round2(flush?.mean ?? 0),
      baselineMs: round2(flush?.mean ?? 0),
    },
  ];
}

function report(results: Awaited<ReturnType<typeof measureSize>>[]) {
  const sizes = results.map((r) => r.rows[0]!.size);
  const label = (n: number) => (n >= 1000 ? `${n / 1000}k` : String(n));
  const header = [
    'route',
    ...sizes.map((s) => `req/s ${label(s)}`),
    ...(sizes.length === 2 ? ['kept'] : []),
    ...sizes.map((s) => `p50/p99 ms ${label(s)}`),
    ...sizes.map((s) => `of /health ${label(s)}`),
    ...sizes.map((s) => `stmts/req ${label(s)}`),
    ...sizes.map((s) => `stmt mean/max ms ${label(s)}`),
  ];
  const routes = results[0]!.rows.map((r) => r.route);
  const lines = routes.map((route) => {
    const at = results.map((r) => r.rows.find((row) => row.route === route)!);
    return [
      route,
      ...at.map((r) => String(r.rps)),
      ...(at.length === 2 ? [`${Math.round((at[1]!.rps / at[0]!.rps) * 100)}%`] : []),
      ...at.map((r) => `${r.p50}/${r.p99}`),
      ...at.map((r) => (r.ofHealth === undefined ? '' : `${Math.round(r.ofHealth * 100)}%`)),
      ...at.map((r) => String(r.statementsPerRequest)),
      ...at.map((r) => (r.heaviest ? `${r.heaviest.meanMs}/${r.heaviest.maxMs}` : '')),
    ];
  });
  printTable(header, lines);

  const writeHeader = [
    'write path (Postgres ms per operation)',
    ...sizes.flatMap((s) => [`now ${label(s)}`, `without ${label(s)}`, `added ${label(s)}`]),
  ];
  const paths = results[0]!.writes.map((w) => w.path);
  const writeLines = paths.map((path, i) => [
    path,
    ...results.flatMap((r) => {
      const w = r.writes[i]!;
      const rate = w.rps === undefined ? '' : ` (${w.rps} req/s)`;
      const added = w.baselineMs ? `${Math.round((w.dbMsPerOperation / w.baselineMs - 1) * 100)}%` : '';
      return [`${w.dbMsPerOperation} x${w.operations}${rate}`, String(w.baselineMs), added];
    }),
  ]);
  console.log('');
  printTable(writeHeader, writeLines);
  for (const r of results) {
    console.log(
      `${label(r.rows[0]!.size)}: seeded in ${r.seedSeconds} s; one cron run (trending, counters) ${r.cronMs} ms`,
    );
  }
  const machine = {
    cpu: cpus()[0]?.model,
    cores: cpus().length,
    node: process.version,
    date: new Date().toISOString(),
  };
  const out = { machine, settings: { seconds: DURATION, connections: CONNECTIONS, sizes, seed: SEED }, results };
  writeFileSync(join(ROOT, 'bench', 'scale-results.json'), `${JSON.stringify(out, null, 2)}\n`);
  console.log(`\n${machine.cpu} × ${machine.cores}, node ${machine.node}; written to bench/scale-results.json`);
}

function printTable(header: string[], lines: string[][]) {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const fmt = (cells: string[]) => `| ${cells.map((c, i) => (c ?? '').padEnd(widths[i]!)).join(' | ')} |`;
  console.log(`${fmt(header)}\n| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`);
  for (const line of lines) console.log(fmt(line));
}

async function main() {
  const results = [];
  for (const size of SIZES) results.push(await measureSize(size));
  report(results);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
