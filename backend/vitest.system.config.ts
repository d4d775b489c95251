import { defineConfig } from 'vitest/config';

// System tests: the distributed stack for real — PostgreSQL, Kafka, the Dapr scheduler
// and sentry, and every role beside its own daprd (deploy/local/stack.sh).
export default defineConfig({
  test: {
    include: ['test/system/**/*.test.ts'],
    globalSetup: ['test/system/stack.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    pool: 'forks',
    env: { NODE_ENV: 'production', TEST: 'false' },
  },
});
