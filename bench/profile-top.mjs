#!/usr/bin/env node
// Summarises a V8 CPU profile (node --cpu-prof): self time per function and per package,
// as % of the samples taken while the process was busy (idle and GC shown apart).
//   node bench/profile-top.mjs <file.cpuprofile> [rows] [last seconds]
// With "last seconds", only the samples of the profile's last S seconds count (e.g. the
// final scenario of a bench run, without start-up and seeding).
import { readFileSync } from 'node:fs';

const [file, rowsArg, lastArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: profile-top.mjs <file.cpuprofile> [rows]');
  process.exit(2);
}
const rows = Number(rowsArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map();
// sample i was taken at startTime + timeDeltas[0..i] (microseconds)
const times = [];
let t = profile.startTime;
for (const d of profile.timeDeltas) times.push((t += d));
const from = lastArg ? profile.endTime - Number(lastArg) * 1e6 : -Infinity;
profile.samples.forEach((id, i) => {
  if (times[i] >= from) self.set(id, (self.get(id) ?? 0) + 1);
});

const where = (url) => {
  if (!url) return '(native)';
  const m = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (m) return m[1];
  if (url.startsWith('node:')) return 'node core';
  const src = url.match(/backend\/dist\/(.*)$/);
  return src ? `kairos ${src[1].split('/').slice(0, 2).join('/')}` : url;
};
const fn = new Map();
const pkg = new Map();
let total = 0;
let idle = 0;
for (const [id, count] of self) {
  const { callFrame } = byId.get(id);
  if (callFrame.functionName === '(idle)') {
    idle += count;
    continue;
  }
  total += count;
  const key = `${callFrame.functionName || '(anonymous)'}  ${where(callFrame.url)}:${callFrame.lineNumber + 1}`;
  fn.set(key, (fn.get(key) ?? 0) + count);
  const p = ['(garbage collector)', '(program)'].includes(callFrame.functionName) ? callFrame.functionName : where(callFrame.url);
  pkg.set(p, (pkg.get(p) ?? 0) + count);
}
const pct = (n) => `${((100 * n) / total).toFixed(1).padStart(5)} %`;
const top = (m) => [...m].sort((a, b) => b[1] - a[1]).slice(0, rows);
console.log(`${total} busy samples (${((100 * idle) / (total + idle)).toFixed(0)} % idle)`);
console.log('\nby package / folder (self time):');
for (const [k, v] of top(pkg)) console.log(`  ${pct(v)}  ${k}`);
console.log('\nby function (self time):');
for (const [k, v] of top(fn)) console.log(`  ${pct(v)}  ${k}`);
