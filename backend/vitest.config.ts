import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The system tests need the distributed stack: `npm run test:system` (vitest.system.config.ts);
    // the cluster tests the Kubernetes cluster: `npm run test:cluster` (vitest.cluster.config.ts).
    exclude: ['test/system/**', 'test/cluster/**', '**/node_modules/**'],
    // API tests start a real server and database per file; a generous per-test timeout
    // absorbs PGlite start-up on a loaded machine. Timing goals live in `npm run bench`.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Libraries relax checks under NODE_ENV=test (Better Auth skips its origin check); test what production runs.
    env: { NODE_ENV: 'production', TEST: 'false' },
  },
});
