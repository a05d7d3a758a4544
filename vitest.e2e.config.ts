import { defineConfig } from 'vitest/config';

// The CLI's journey over real HTTP against `npm run dev`; runs in Node, not workerd.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    globalSetup: ['./test/e2e/global-setup.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});
