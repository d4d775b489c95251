import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The suites that kill roles run last — the assistant's (it restarts the api), then the
 * fault tests (kill -9 of each role, a Kafka restart): the stack recovers from them
 * without losing anything — that is what they prove — but Dapr's circuit breakers and
 * back-offs take a while to close again, which would blur the timings other suites
 * assert (e.g. the browser suite's "another browser sees the edit within a second").
 */
const LAST = ['/assistant.test.ts', '/faults.test.ts'];
class FaultsLast extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (f: TestSpecification) => LAST.findIndex((name) => f.moduleId.endsWith(name));
    return [...sorted.filter((f) => rank(f) < 0), ...LAST.flatMap((_, i) => sorted.filter((f) => rank(f) === i))];
  }
}

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
    sequence: { sequencer: FaultsLast },
    env: { NODE_ENV: 'production', TEST: 'false' },
  },
});
