import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [
    cloudflareTest(({ inject }) => ({
      wrangler: { configPath: './wrangler.toml' },
      miniflare: {
        bindings: {
          DATABASE_URL: inject('databaseUrl'),
          WS_PROXY: inject('wsProxy'),
          // Test-only secret; production secrets live in `wrangler secret`.
          JWT_SECRET: 'test-secret-0123456789abcdef0123456789abcdef',
        },
      },
    })),
  ],
  test: {
    globalSetup: ['./test/global-setup.ts'],
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    // The Worker logs one JSON line per request; keep test output readable.
    onConsoleLog: (log) => !log.includes('"msg":"request"'),
    hookTimeout: 60_000,
  },
});
