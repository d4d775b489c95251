// node .ci/summary.mjs RESULTS_DIR SECONDS : what each CI stage's tests reported, and for
// every failed test its name and the first lines of its message — printed last, so the
// end of a failed run's output says what failed (exit 1 if anything did).
import { readdirSync, readFileSync } from 'node:fs';

const [dir, seconds] = process.argv.slice(2);
let passed = 0;
let failed = 0;
const failures = [];
for (const f of readdirSync(dir).sort()) {
  const text = readFileSync(`${dir}/${f}`, 'utf8');
  const stage = f.replace(/\.\w+$/, '');
  let p = 0;
  let q = 0;
  if (f.endsWith('.tap')) {
    p = +(text.match(/^# pass (\d+)/m) ?? [0, 0])[1];
    q = +(text.match(/^# fail (\d+)/m) ?? [0, 0])[1];
    for (const m of text.matchAll(/^\s*not ok \d+ - (.*)$/gm)) failures.push(`${stage}: ${m[1]}`);
  } else if (f.endsWith('.log')) {
    p = (text.match(/^ok /gm) ?? []).length;
    q = (text.match(/^FAIL /gm) ?? []).length;
    for (const m of text.matchAll(/^FAIL (.*)$/gm)) failures.push(`${stage}: ${m[1]}`);
  } else if (f.endsWith('.json')) {
    const r = JSON.parse(text);
    p = r.numPassedTests;
    q = r.numFailedTests;
    for (const file of r.testResults)
      for (const t of file.assertionResults.filter((a) => a.status === 'failed'))
        failures.push(
          `${stage}: ${t.fullName ?? t.title}\n${(t.failureMessages[0] ?? '').split('\n').slice(0, 8).join('\n').replace(/^/gm, '    ')}`,
        );
  }
  if (p + q === 0) continue;
  console.log(`${stage.padEnd(12)} ${p} passed, ${q} failed`);
  passed += p;
  failed += q;
}
console.log(`CI time ${(Number(seconds) / 60).toFixed(1)} min`);
console.log(`${passed} passed, ${failed} failed`);
if (failures.length) console.log(`\nfailed:\n${failures.map((x) => `- ${x}`).join('\n')}`);
process.exit(failed ? 1 : 0);
