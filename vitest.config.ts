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
    // Both read paths stay tested: everything runs with HTTP reads (the deployed
    // default), and the integration tests run again on the WebSocket Pool. The
    // stand-in's own tests are about the HTTP endpoint, so they run once.
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
          include: ['test/integration/**/*.test.ts'],
          // rate-limit*: the limiter does no database work, so a second read path adds nothing.
          exclude: [
            'test/integration/sql-over-http.test.ts',
            'test/integration/rate-limit*.test.ts',
            // About the local stack and settings, not the read path.
            'test/integration/local-stack-security.test.ts',
            'test/integration/config-errors.test.ts',
            // Who may write (8 callers x every write route), racing writes, and the account
            // pages' forms: writes all go through transactions on the Pool in both modes,
            // so a second read path only doubles their minutes.
            'test/integration/auth-matrix.test.ts',
            'test/integration/concurrency.test.ts',
            'test/integration/web-account.test.ts',
            'test/integration/web-package-settings.test.ts',
          ],
        },
      },
    ],
  },
});
