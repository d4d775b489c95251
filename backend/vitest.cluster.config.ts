import { defineConfig } from 'vitest/config';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

// Cluster tests: Kairos installed by `helm install` on the real single-node Kubernetes
// cluster (deploy/cluster). They run inside the cluster's network namespace
// (`npm run test:cluster`) and talk to the release through its Services.
function clusterIp(service: string): string {
  const bin = process.env.KAIROS_CLUSTER_BIN;
  if (!bin) throw new Error('run the cluster tests with `npm run test:cluster` (after `npm run cluster up`)');
  const ns = process.env.KAIROS_NAMESPACE ?? 'kairos';
  return execFileSync(join(bin, 'kubectl'), ['get', '-n', ns, 'service', service, '-o', 'jsonpath={.spec.clusterIP}'], {
    encoding: 'utf8',
  });
}

// The release's own checks first (they expect the state helm install left), then the
// operations that scale, roll and break it.
const ORDER = ['release.test.ts', 'operations.test.ts'];
class ReleaseFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]) {
    const rank = (f: TestSpecification) => {
      const i = ORDER.findIndex((name) => f.moduleId.endsWith(`/${name}`));
      return i < 0 ? ORDER.length : i;
    };
    return [...files].sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    include: ['test/cluster/**/*.test.ts'],
    testTimeout: 90_000,
    hookTimeout: 90_000,
    fileParallelism: false,
    sequence: { sequencer: ReleaseFirst },
    pool: 'forks',
    env: {
      NODE_ENV: 'production',
      TEST: 'false',
      // test/system/client.ts reads these: the user's client goes through the Services.
      KAIROS_API: `http://${clusterIp('kairos-api')}:4000`,
      KAIROS_REALTIME: `ws://${clusterIp('kairos-realtime')}:4004`,
    },
  },
});
