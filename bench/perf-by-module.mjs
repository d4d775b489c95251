#!/usr/bin/env node
// Where a server's CPU goes per request, by package, side by side with another server —
// from a whole-machine `perf` recording, so kernel time, garbage collection and native code
// count too (V8's own profiler sees only JavaScript and misattributes time spent waiting
// in system calls).
//
//   NODE_OPTIONS=--perf-basic-prof perf record -e cpu-clock -F 1999 -a -g -o perf.data -- \
//     env BENCH_DATABASES=postgres BENCH_SCENARIOS="limit,list (50" npm run bench:api
//   perf script -i perf.data -F pid,time,ip,sym > perf.txt
//   node bench/perf-by-module.mjs perf.txt                 # busy samples per pid and second
//   node bench/perf-by-module.mjs perf.txt limit=<pid>:<from>-<to>:<req/s> kairos=<pid>:<from>-<to>:<req/s>
//
// <from>-<to> are seconds since the recording's first sample (read them off the first form);
// <req/s> is the throughput the bench printed for that window. Each sample is charged to
// the innermost JavaScript frame's package (node_modules/<package>, `kairos <dir/file>` for
// Kairos's own code, node:<module> for Node's), to GC when the collector is on the stack, or
// to the kernel or a native symbol when no JavaScript frame is. Figures: microseconds of CPU
// per request. Code the JIT moved after writing its perf map can be named wrongly, so trust
// the packages more than single functions.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

const [file, ...specs] = process.argv.slice(2);
if (!file) {
  console.error('usage: perf-by-module.mjs <perf script output> [label=<pid>:<from>-<to>:<req/s> ...]');
  process.exit(2);
}
const HZ = Number(process.env.PERF_HZ ?? 1999);

const GC = /Scaveng|MarkCompact|ConcurrentMarking|Sweeper|MinorGC|MarkingVisitor|Heap::CollectGarbage/;
function bucketOf(frames) {
  if (frames.some((f) => GC.test(f))) return 'garbage collection';
  for (const f of frames) {
    if (!f.startsWith('JS:')) continue;
    const pkg = f.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//);
    if (pkg) return pkg[1];
    const own = f.match(/backend\/dist\/([^:]+?)\.js/);
    if (own) return `kairos ${own[1]}`;
    const core = f.match(/ (node:[^:]+):/);
    if (core) return core[1];
  }
  const leaf = frames[0] ?? '?';
  if (/\b(tcp_|ip_|sock_|net_rx|__x64_sys|do_syscall|epoll|skb)/.test(frames.join(' '))) return 'kernel (no JavaScript frame)';
  return `native: ${leaf.replace(/\(.*$/, '').slice(0, 50)}`;
}

/** Samples as { pid, t, frames } (innermost frame first). */
async function* samples() {
  let cur = null;
  for await (const line of createInterface({ input: createReadStream(file) })) {
    if (!line.trim()) {
      if (cur) yield cur;
      cur = null;
    } else if (!/^\s/.test(line)) {
      const m = line.match(/^\s*\S+\s+(\d+)\s+([\d.]+):/) ?? line.match(/^\s*(\d+)\s+([\d.]+):/);
      cur = m ? { pid: Number(m[1]), t: Number(m[2]), frames: [] } : null;
    } else if (cur) cur.frames.push(line.trim().replace(/^[0-9a-f]+\s+/, ''));
  }
  if (cur) yield cur;
}

const windows = specs.map((s) => {
  const m = s.match(/^([^=]+)=(\d+):([\d.]+)-([\d.]+):([\d.]+)$/);
  if (!m) throw new Error(`not label=<pid>:<from>-<to>:<req/s>: ${s}`);
  return { label: m[1], pid: Number(m[2]), from: Number(m[3]), to: Number(m[4]), rate: Number(m[5]), counts: new Map(), n: 0 };
});

let t0 = null;
const perSecond = new Map(); // pid → Map(second → samples)
for await (const s of samples()) {
  t0 ??= s.t;
  const at = s.t - t0;
  if (windows.length === 0) {
    const m = perSecond.get(s.pid) ?? new Map();
    perSecond.set(s.pid, m);
    m.set(Math.floor(at), (m.get(Math.floor(at)) ?? 0) + 1);
    continue;
  }
  for (const w of windows) {
    if (s.pid !== w.pid || at < w.from || at >= w.to) continue;
    const b = bucketOf(s.frames);
    w.counts.set(b, (w.counts.get(b) ?? 0) + 1);
    w.n++;
  }
}

if (windows.length === 0) {
  const busiest = [...perSecond].map(([pid, m]) => [pid, m, [...m.values()].reduce((a, b) => a + b, 0)]).sort((a, b) => b[2] - a[2]);
  for (const [pid, m, total] of busiest.slice(0, 10)) {
    if (pid === 0) continue; // idle
    console.log(`pid ${pid} (${total} samples), busy samples per second:`);
    console.log(
      `  ${[...m]
        .sort((a, b) => a[0] - b[0])
        .map(([sec, n]) => `${sec}:${n}`)
        .join(' ')}`,
    );
  }
  process.exit(0);
}

// µs of CPU per request: samples / (seconds × req/s) × (1e6 / HZ)
const usPerReq = (w, n) => (n / ((w.to - w.from) * w.rate)) * (1e6 / HZ);
const buckets = new Map();
for (const w of windows) for (const [b, n] of w.counts) buckets.set(b, Math.max(buckets.get(b) ?? 0, usPerReq(w, n)));
const rows = [...buckets.keys()].sort((a, b) => buckets.get(b) - buckets.get(a)).slice(0, Number(process.env.ROWS ?? 40));
const col = (s) => String(s).padStart(10);
console.log(`${'µs of CPU per request'.padEnd(46)}${windows.map((w) => col(w.label)).join('')}`);
console.log(`${'total'.padEnd(46)}${windows.map((w) => col(usPerReq(w, w.n).toFixed(0))).join('')}`);
for (const b of rows)
  console.log(`${b.slice(0, 45).padEnd(46)}${windows.map((w) => col(usPerReq(w, w.counts.get(b) ?? 0).toFixed(1))).join('')}`);
