import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';
import { generatedFilesProblem } from './scripts/lib/preflight.ts';

// `npm ci --ignore-scripts` leaves out hash-wasm's extracted binaries: say so, not an esbuild trace.
const missing = generatedFilesProblem(import.meta.dirname);
if (missing) {
  console.error(`[raven test] ${missing}`);
  process.exit(1);
}

// The Worker under test, with reads over Neon's HTTP mode on or off.
const worker = (httpReads: boolean) =>
  cloudflareTest(({ inject }) => ({
    wrangler: { configPath: './wrangler.toml' },
    miniflare: {
      bindings: {
        DATABASE_URL: inject('databaseUrl'),
        WS_PROXY: inject('wsProxy'),
        DB_HTTP_READS: String(httpReads),
        NEON_HTTP_ENDPOINT: inject('neonHttpEndpoint'),
        // Webhooks may target the test receiver on 127.0.0.1; retries come back at once.
        WEBHOOKS_ALLOW_LOCAL: 'true',
        WEBHOOK_RETRY_BASE_SECONDS: '0',
        WEBHOOK_TIMEOUT_MS: '2000',
        // JWT_SECRET and WEBHOOK_SECRET_KEY, fresh per run (test/global-setup.ts).
        ...inject('secrets'),
        // Trusted publishing trusts only the local test issuer (http on loopback).
        TRUSTED_PUBLISHING_ISSUERS: JSON.stringify({ [String(inject('oidcIssuer'))]: inject('oidcJwksUrl') }),
        TRUSTED_PUBLISHING_ALLOW_LOCAL: 'true',
      },
    },
  }));

export default defineConfig({
  test: {
    testTimeout: 30_000,
    // The Worker logs one JSON line per request; keep test output readable.
    onConsoleLog: (log) =>
      !log.includes('"msg":"request"') && !log.includes('"msg":"edge cache purge (not available here)"'),
    hookTimeout: 60_000,
    // One Worker per test process for every file, not one per file: each file used to
    // re-import and re-transform the whole app (most of npm test's time). Files share the
    // module graph, so no test may rely on module state being fresh; they share Postgres
    // already and use unique names.
    isolate: false,
    // Both read paths stay tested: everything runs with HTTP reads (the deployed
    // default), and the read-side integration tests run again on the WebSocket Pool.
    // globalSetup is per project (a root one would run once and be shared), so
    // each read path gets its own Postgres and the two runs cannot see each
    // other's rows in rankings and counts.
    projects: [
      {
        extends: true,
        plugins: [worker(true)],
        test: {
          name: 'http-reads',
          globalSetup: ['./test/global-setup.ts'],
          include: ['test/**/*.test.ts'],
          // Both run in Node against `npm run dev` (their own configs), not in workerd.
          exclude: ['test/e2e/**', 'test/browser/**'],
        },
      },
      {
        extends: true,
        plugins: [worker(false)],
        test: {
          name: 'ws-reads',
          globalSetup: ['./test/global-setup.ts'],
          // The files about what reads return. The modes differ only in how a single
          // statement travels (one fetch, or the Pool); transactions use the Pool in both.
          // These files run every read route and page over the Pool; the write-path files
          // (publish, owners, tokens, webhooks, the auth matrix, races, account forms, rate
          // limits, the SQL-over-HTTP stand-in) would send the same statements again.
          include: [
            'test/integration/discovery-*.test.ts',
            'test/integration/packages-downloads.test.ts',
            'test/integration/packages-fixtures.test.ts',
            'test/integration/packages-yank.test.ts',
            'test/integration/resolution-index.test.ts',
            'test/integration/edge-cache-reads.test.ts',
            'test/integration/readme-rendering.test.ts',
            'test/integration/contract-audit.test.ts',
            'test/integration/users.test.ts',
            'test/integration/web-pages.test.ts',
            'test/integration/errors.test.ts',
            'test/integration/health.test.ts',
          ],
        },
      },
    ],
  },
});
