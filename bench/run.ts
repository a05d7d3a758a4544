// `npm run bench`: starts the local stack exactly as `npm run dev` does (fresh
// state), seeds a realistic registry, and measures each route with autocannon.
// Prints a table and writes bench/results.json. Not part of `npm test`.
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../scripts/lib/ports.ts';
import { metadataFromTarball, publish, publishBody } from '../scripts/lib/raven-client.ts';
import { ROOT, type Stack, startStack, waitForHealth } from '../scripts/lib/stack.ts';
import { type LoadResult, load } from './lib/load.ts';
import { StatementCounter } from './lib/round-trips.ts';
import { SEED, seedDatabase, syntheticTarball } from './lib/seed.ts';
import { CONNECTIONS, DURATION, FIXTURES, UNLIMITED } from './lib/settings.ts';

// RATE_LIMIT_INSTALL_PER_HOUR stays at its default (5000): the install scenario
// shows a 30-package install from one address fits it three times over.

/** Each variant restarts wrangler with different vars over the same seeded data. */
const VARIANTS: { name: string; vars: Record<string, string> }[] = [
  // Reads over Neon's HTTP mode (the default) against the per-request WebSocket Pool they replaced.
  { name: 'http-reads', vars: { DB_HTTP_READS: 'true' } },
  { name: 'ws-reads', vars: { DB_HTTP_READS: 'false' } },
];

interface Row extends LoadResult {
  variant: string;
  route: string;
  ceilingFraction?: number;
  statementsPerRequest?: number;
  /** Whether Workers Cache may store the reply (so a warm edge answers without the Worker). */
  edgeCacheable?: boolean;
  /** Wall time of a whole scenario that is not a throughput run (the install). */
  totalMs?: number;
  /** Mean reply body size of the sampled requests (the website's pages are judged by it). */
  bytes?: number;
}

/** What Workers Cache honours: Cloudflare-CDN-Cache-Control first, else Cache-Control; public and storable. */
function edgeCacheable(res: Response): boolean {
  const said = res.headers.get('cloudflare-cdn-cache-control') ?? res.headers.get('cache-control') ?? '';
  return /\bpublic\b/.test(said) && !/\b(private|no-store)\b/.test(said);
}

/** A tree of 30 packages: i depends on 2i+1 and 2i+2 (the e2e test's shape). */
const INSTALL_PACKAGES = 30;
const installName = (variant: string, i: number) => `bench-inst-${variant}-${i}`;

const pick = <T>(items: readonly T[]) => items[Math.floor(Math.random() * items.length)]!;
/** Many clients, as in production: a pool of 200 IPs, each with its own rate-limit object, each coming back. */
const CLIENT_IPS = Array.from({ length: 200 }, (_, i) => `10.0.${i >> 8}.${(i & 255) + 1}`);
const clientIp = () => pick(CLIENT_IPS);
const manyClients = (path: string) => (req: { path: string; headers?: Record<string, string> }) => ({
  ...req,
  path,
  headers: { ...req.headers, 'cf-connecting-ip': clientIp() },
});
const settle = () => new Promise((resolve) => setTimeout(resolve, 1500));
const words = ['forms', 'router', 'fetch', 'store', 'test', 'intl', 'widget', 'orm'];
/** A seeded package name (seed.ts names package i `bench-<word i mod 8>-<i>`). */
const benchPackage = () => {
  const i = 1 + Math.floor(Math.random() * SEED.packages);
  return `bench-${words[i % 8]}-${i}`;
};

async function json(res: Response) {
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

async function main() {
  const stateDir = mkdtempSync(join(tmpdir(), 'raven-bench-'));
  chmodSync(stateDir, 0o755); // the embedded Postgres runs as its own user when we are root
  const port = await freePort();
  const rows: Row[] = [];
  let stack: Stack | undefined;
  try {
    for (const [index, variant] of VARIANTS.entries()) {
      stack = await startStack({
        port,
        stateDir,
        stdio: 'ignore',
        vars: { ...UNLIMITED, ...variant.vars },
        postgresSettings: { shared_preload_libraries: 'pg_stat_statements', 'pg_stat_statements.track': 'all' },
      });
      await waitForHealth(stack.url);
      const api = `${stack.url}/api/v1`;
      if (index === 0) {
        console.log('seeding…');
        await seedDatabase(stack.ownerDatabaseUrl); // ends with ANALYZE, an owner's right
      }
      const setup = await prepare(api, variant.name);
      // pg_stat_statements is the owner's to create and reset.
      const counter = await StatementCounter.connect(stack.ownerDatabaseUrl);
      try {
        rows.push(...(await measure(api, stack.url, variant.name, setup, counter)));
      } finally {
        await counter.close();
      }
      await stack.stop();
      stack = undefined;
    }
  } finally {
    await stack?.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
  report(rows);
}

interface Setup {
  token: string;
  email: string;
  password: string;
  warmDownload: string;
  coldDownloads: string[];
  publishBodies: { body: Buffer; contentType: string }[];
  installRoot: string;
}

async function prepare(api: string, variant: string): Promise<Setup> {
  const username = `bench-${variant}-${Date.now().toString(36)}`.slice(0, 32);
  const email = `${username}@bench.test`;
  const password = 'bench passphrase 123';
  const reg = await json(
    await fetch(`${api}/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, email, password }),
    }),
  );
  const token: string = reg.token;
  // Fixtures: real CLI tarballs, published once (a 409 on later variants is fine).
  for (const file of readdirSync(FIXTURES).filter((f) => f.endsWith('.tar.gz'))) {
    await publish(api, token, new Uint8Array(readFileSync(join(FIXTURES, file))));
  }
  // Cold downloads: distinct versions never fetched before.
  const coldName = `bench-cold-${variant}`;
  const coldDownloads: string[] = [];
  for (let i = 0; i < 100; i++) {
    const version = `0.0.${i}`;
    const res = await publish(api, token, await syntheticTarball(coldName, version, 16 * 1024));
    if (res.status === 201) coldDownloads.push(`/api/v1/packages/${coldName}/${version}/download`);
  }
  // The install tree (published children first only for tidiness; publish does not check dependencies).
  for (let i = INSTALL_PACKAGES - 1; i >= 0; i--) {
    const deps = Object.fromEntries(
      [2 * i + 1, 2 * i + 2].filter((j) => j < INSTALL_PACKAGES).map((j) => [installName(variant, j), '^1.0']),
    );
    await publish(api, token, await syntheticTarball(installName(variant, i), '1.0.0', 4 * 1024, deps));
  }
  const publishName = `bench-publish-${variant}`;
  // The first version creates the package; racing creators would (rightly) get 409s.
  await publish(api, token, await syntheticTarball(publishName, '0.0.1', 1024));
  const publishBodies = [];
  for (let i = 0; i < 60; i++) {
    const tarball = await syntheticTarball(publishName, `1.0.${i}`, 1024 * 1024);
    publishBodies.push(publishBody(await metadataFromTarball(tarball), tarball));
  }
  return {
    token,
    email,
    password,
    warmDownload: '/api/v1/packages/raven-store/1.0.0/download',
    coldDownloads,
    publishBodies,
    installRoot: installName(variant, 0),
  };
}

/**
 * `raven pkg install` of the 30-package tree from one address, three times over:
 * for each dependency one GET /packages/:name, then the tarball twice. Sequential,
 * as the CLI is; reports total requests, wall time and per-request latency.
 */
async function installThreeTimes(api: string, root: string): Promise<LoadResult & { totalMs: number }> {
  const latencies: number[] = [];
  let non2xx = 0;
  const get = async (url: string) => {
    const started = performance.now();
    const res = await fetch(url, { headers: { 'cf-connecting-ip': '10.9.9.9' } });
    const body = await res.arrayBuffer();
    latencies.push(performance.now() - started);
    if (res.status !== 200) non2xx += 1;
    return { res, body };
  };
  const started = performance.now();
  for (let round = 0; round < 3; round++) {
    const seen = new Set<string>();
    const queue = [root];
    while (queue.length > 0) {
      const name = queue.shift()!;
      if (seen.has(name)) continue;
      seen.add(name);
      const info = await get(`${api}/packages/${name}`);
      const version = (JSON.parse(new TextDecoder().decode(info.body)) as { latest_version: string }).latest_version;
      const url = `${api}/packages/${name}/${version}/download`;
      const manifest = await get(url);
      await get(url);
      const meta = await metadataFromTarball(new Uint8Array(manifest.body));
      queue.push(...Object.keys(meta.dependencies));
    }
  }
  const totalMs = Math.round(performance.now() - started);
  latencies.sort((a, b) => a - b);
  const at = (q: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!);
  return {
    requests: latencies.length,
    rps: Math.round((latencies.length / totalMs) * 1000),
    p50: at(0.5),
    p99: at(0.99),
    errors: 0,
    non2xx,
    totalMs,
  };
}

async function measure(api: string, base: string, variant: string, setup: Setup, counter: StatementCounter) {
  const rows: Row[] = [];
  /** A GET whose path varies per request, from a pool of client IPs; sampled for statements when it is a read. */
  const fromManyClients = (route: string, path: () => string, read = true, status = 200) => ({
    route,
    read,
    run: () =>
      load({
        url: base,
        duration: DURATION,
        connections: CONNECTIONS,
        setupRequest: (req: { path: string; headers?: Record<string, string> }) => manyClients(path())(req),
        expect: (s: number) => s === status,
      }),
    sample: read ? () => fetch(base + path()) : undefined,
  });
  const scenarios: {
    route: string;
    read: boolean;
    run: () => Promise<LoadResult>;
    sample?: () => Promise<Response>;
  }[] = [
    {
      route: 'GET /health',
      read: false,
      run: () => load({ url: `${base}/health`, duration: DURATION, connections: CONNECTIONS }),
      sample: () => fetch(`${base}/health`),
    },
    // The limiter's cost: the same 404 with and without the /api/v1 middleware (one Durable Object call).
    {
      route: 'GET 404 outside /api/v1',
      read: false,
      run: () =>
        load({ url: `${base}/nothing-here`, duration: DURATION, connections: CONNECTIONS, expect: (s) => s === 404 }),
    },
    fromManyClients('GET 404 under /api/v1 (limiter)', () => '/api/v1/nothing-here', false, 404),
    fromManyClients('GET /packages/:name', () => `/api/v1/packages/${benchPackage()}`),
    // The website's package page: the same data, rendered (README HTML, versions, install line).
    fromManyClients('page /packages/:name', () => `/packages/${benchPackage()}`),
    fromManyClients(
      'GET /packages/:name/:version',
      () => `/api/v1/packages/${benchPackage()}/1.0.${Math.floor(Math.random() * 5)}`,
    ),
    fromManyClients('GET /index/:name', () => `/api/v1/index/${benchPackage()}`),
    fromManyClients(
      'GET /search?q=',
      () => `/api/v1/search?q=${pick([...words, 'rout', 'raven-fomrs', 'validation'])}`,
    ),
    {
      route: 'GET download (warm cache)',
      read: true,
      run: async () => {
        await fetch(base + setup.warmDownload).then((r) => r.arrayBuffer());
        return load({ url: base + setup.warmDownload, duration: DURATION, connections: CONNECTIONS });
      },
      sample: () => fetch(base + setup.warmDownload),
    },
    {
      route: 'GET download (cold cache)',
      read: true,
      run: () => {
        const queue = [...setup.coldDownloads.slice(20)];
        return load({
          url: base,
          amount: queue.length,
          connections: Math.min(CONNECTIONS, queue.length),
          setupRequest: (req) => ({ ...req, path: queue.shift() ?? setup.warmDownload }),
        });
      },
      sample: (() => {
        const sampleQueue = setup.coldDownloads.slice(0, 20);
        return () => fetch(base + (sampleQueue.shift() ?? setup.warmDownload));
      })(),
    },
    {
      route: 'install 30 packages x3, one IP',
      read: false,
      run: () => installThreeTimes(api, setup.installRoot),
    },
    {
      route: 'POST /auth/login',
      read: false,
      run: () =>
        load({
          url: `${api}/auth/login`,
          method: 'POST',
          duration: DURATION,
          connections: CONNECTIONS,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: setup.email, password: setup.password }),
        }),
    },
    {
      route: 'POST /packages/publish (1 MiB)',
      read: false,
      run: () => {
        const bodies = [...setup.publishBodies];
        return load({
          url: `${api}/packages/publish`,
          method: 'POST',
          amount: bodies.length,
          connections: 4,
          setupRequest: (req) => {
            const next = bodies.shift()!;
            return {
              ...req,
              method: 'POST',
              headers: { authorization: `Bearer ${setup.token}`, 'content-type': next.contentType },
              body: next.body,
            };
          },
        });
      },
    },
  ];

  let ceiling = 0;
  for (const scenario of scenarios) {
    let statementsPerRequest: number | undefined;
    let cacheable: boolean | undefined;
    let bytes: number | undefined;
    if (scenario.sample) {
      const samples = 20;
      await settle(); // let the previous scenario's waitUntil work finish first
      await counter.reset();
      let total = 0;
      for (let i = 0; i < samples; i++) {
        const res = await scenario.sample();
        cacheable = edgeCacheable(res);
        total += (await res.arrayBuffer()).byteLength;
      }
      bytes = Math.round(total / samples);
      statementsPerRequest = Math.round(((await counter.count()) / samples) * 100) / 100;
    }
    const result = await scenario.run();
    if (scenario.route === 'GET /health') ceiling = result.rps;
    rows.push({
      variant,
      route: scenario.route,
      ...result,
      statementsPerRequest,
      edgeCacheable: cacheable,
      bytes,
      ceilingFraction: scenario.read && ceiling ? Math.round((result.rps / ceiling) * 100) / 100 : undefined,
    });
    console.log(`${variant.padEnd(10)} ${scenario.route.padEnd(32)} ${String(result.rps).padStart(6)} req/s`);
  }
  return rows;
}

function report(rows: Row[]) {
  const header = [
    'variant',
    'route',
    'req/s',
    'p50 ms',
    'p99 ms',
    'of /health',
    'SQL stmts/req',
    'edge-cacheable',
    'errors',
    'non-2xx',
  ];
  const lines = rows.map((r) => [
    r.variant,
    r.route,
    String(r.rps),
    String(r.p50),
    String(r.p99),
    r.ceilingFraction === undefined ? '' : `${Math.round(r.ceilingFraction * 100)}%`,
    r.statementsPerRequest === undefined ? '' : String(r.statementsPerRequest),
    r.edgeCacheable === undefined ? '' : r.edgeCacheable ? 'yes' : 'no',
    String(r.errors),
    String(r.non2xx),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(`\n${fmt(header)}\n| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`);
  for (const line of lines) console.log(fmt(line));
  // The closing note: the install path beside /health, from the same run.
  for (const variant of new Set(rows.map((r) => r.variant))) {
    const find = (route: string) => rows.find((r) => r.variant === variant && r.route === route);
    const [health, index, install, info, page] = [
      find('GET /health'),
      find('GET /index/:name'),
      find('install 30 packages x3, one IP'),
      find('GET /packages/:name'),
      find('page /packages/:name'),
    ];
    if (info && page) {
      console.log(
        `${variant}: package page ${page.rps} req/s = ${Math.round((page.rps / info.rps) * 100) / 100} of GET /packages/:name's ${info.rps} ` +
          `(target >= 0.8); page HTML ${((page.bytes ?? 0) / 1024).toFixed(1)} KiB vs JSON ${((info.bytes ?? 0) / 1024).toFixed(1)} KiB.`,
      );
    }
    if (!health || !index || !install) continue;
    console.log(
      `${variant}: GET /index/:name ${index.rps} req/s (${Math.round((index.rps / health.rps) * 100)}% of /health's ${health.rps}); ` +
        `30-package install x3 from one IP: ${install.requests} requests in ${install.totalMs} ms, ${install.non2xx} not 200.`,
    );
  }
  const machine = {
    cpu: cpus()[0]?.model,
    cores: cpus().length,
    node: process.version,
    date: new Date().toISOString(),
  };
  const out = { machine, settings: { seconds: DURATION, connections: CONNECTIONS, seed: SEED }, rows };
  writeFileSync(join(ROOT, 'bench', 'results.json'), `${JSON.stringify(out, null, 2)}\n`);
  console.log(`\n${machine.cpu} × ${machine.cores}, node ${machine.node}; written to bench/results.json`);
}

main().catch((err) => {
  // A start-up problem (a bad .dev.vars, an install that skipped its scripts) is one line that says what to do.
  console.error(process.env.RAVEN_DEBUG || !(err instanceof Error) ? err : err.message);
  process.exit(1);
});
