#!/usr/bin/env node
// Operations benchmark on the single-node Kubernetes cluster (deploy/cluster): runs the
// operations tests (backend/test/cluster/operations.test.ts) against the running release
// and prints what they measured as one table — HPA reaction (load start → scale-out
// decided, new replica Ready, new replica serving; load stop → back to one), requests
// during the rolling update and rollback (count, failures, p50/p99/max), and the time to
// recover from each fault. Writes bench/results/cluster.json.
//
//   npm run cluster up && npm run bench:cluster        (as root: the cluster is)
//   BENCH_FILTER=autoscaling npm run bench:cluster      # one part (a vitest -t filter)
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const out = join(mkdtempSync(join(tmpdir(), 'kairos-bench-cluster-')), 'figures.jsonl');
writeFileSync(out, '');
const args = ['deploy/cluster/test.sh', 'test/cluster/operations.test.ts'];
if (process.env.BENCH_FILTER) args.push('-t', process.env.BENCH_FILTER);
const load = loadavg()[0].toFixed(1);
const run = spawnSync('bash', args, { cwd: root, stdio: 'inherit', env: { ...process.env, KAIROS_BENCH_OUT: out } });

const figures = readFileSync(out, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l));
const width = Math.max(...figures.map((f) => f.name.length), 10);
console.log(`\nCluster operations (${new Date().toISOString()}, load average before: ${load})`);
for (const f of figures) {
  const v = Number.isInteger(f.value) ? String(f.value) : f.value.toFixed(1);
  console.log(`  ${f.name.padEnd(width)}  ${v.padStart(8)} ${f.unit}${f.note ? `  (${f.note})` : ''}`);
}
mkdirSync(join(root, 'bench/results'), { recursive: true });
writeFileSync(join(root, 'bench/results/cluster.json'), JSON.stringify({ at: new Date().toISOString(), loadavg: load, figures }, null, 2));
if (run.status !== 0) console.log(`\nthe operations tests failed (exit ${run.status}): figures above are from the parts that ran`);
process.exit(run.status ?? 1);
