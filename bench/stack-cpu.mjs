// CPU time of every process of a running local stack (deploy/local/stack.sh), by name,
// from /proc: each pid file in <stack>/run (roles, their daprd, Kafka, the Dapr control
// plane, monitoring) and PostgreSQL's postmaster, each with all its descendants (a
// PostgreSQL backend per connection). The stack must run on this machine.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const TICKS_PER_SECOND = 100;

/** pid → { ppid, cpu seconds (user + system) } for every process now. */
function processTable() {
  const table = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
      table.set(Number(entry), {
        ppid: Number(fields[1]),
        cpu: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND,
        comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')),
      });
    } catch {
      // exited while listing
    }
  }
  return table;
}

/** The data directory deploy/local/postgres.sh uses for this stack folder. */
function postgresDataDirs(stackDir) {
  const hash = createHash('sha256').update(`${stackDir}\n`).digest('hex').slice(0, 8);
  return [process.env.KAIROS_PG_DIR, join(stackDir, 'pg'), `${process.env.TMPDIR ?? '/tmp'}/kairos-pg-${hash}`]
    .filter(Boolean)
    .map((d) => join(d, 'data'));
}

/** name → pid of the stack's processes. */
export function stackProcesses(stackDir) {
  const procs = new Map();
  const runDir = join(stackDir, 'run');
  if (existsSync(runDir)) {
    for (const f of readdirSync(runDir)) {
      if (!f.endsWith('.pid')) continue;
      const pid = Number(readFileSync(join(runDir, f), 'utf8').trim());
      if (pid && existsSync(`/proc/${pid}`)) procs.set(f.slice(0, -4), pid);
    }
  }
  for (const dir of postgresDataDirs(stackDir)) {
    const pidFile = join(dir, 'postmaster.pid');
    if (!existsSync(pidFile)) continue;
    const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    if (pid && existsSync(`/proc/${pid}`)) procs.set('postgres', pid);
  }
  return procs;
}

/** name → CPU seconds of the process and all its descendants, now. */
export function sampleCpu(procs) {
  const table = processTable();
  const children = new Map();
  for (const [pid, p] of table) {
    const list = children.get(p.ppid);
    if (list) list.push(pid);
    else children.set(p.ppid, [pid]);
  }
  const treeCpu = (pid) => (table.get(pid)?.cpu ?? 0) + (children.get(pid) ?? []).reduce((s, c) => s + treeCpu(c), 0);
  return new Map([...procs].map(([name, pid]) => [name, treeCpu(pid)]));
}

/**
 * Starts counting: `stop(units)` returns each process's CPU milliseconds per unit (a
 * create, a reminder) since the start, largest first, with the total and the load
 * generator's own CPU (this process).
 */
export function countStackCpu(stackDir) {
  const procs = stackProcesses(stackDir);
  const before = sampleCpu(procs);
  const self = process.cpuUsage();
  const started = performance.now();
  return {
    stop(units) {
      const after = sampleCpu(procs);
      const seconds = (performance.now() - started) / 1000;
      const own = process.cpuUsage(self);
      const perUnit = [...after].map(([name, cpu]) => [name, ((cpu - (before.get(name) ?? 0)) * 1000) / units]).sort((a, b) => b[1] - a[1]);
      const total = perUnit.reduce((s, [, ms]) => s + ms, 0);
      return {
        seconds,
        units,
        total_ms: total,
        cores_busy: (total * units) / 1000 / seconds,
        load_generator_ms: (own.user + own.system) / 1000 / units,
        per_process_ms: Object.fromEntries(perUnit),
      };
    },
  };
}

/** One line: "total 11.7 ms (1.9 cores) — kafka 2.9, api 2.7, …" (processes ≥ 0.05 ms). */
export function formatStackCpu(c, unit) {
  const parts = Object.entries(c.per_process_ms)
    .filter(([, ms]) => ms >= 0.05)
    .map(([name, ms]) => `${name} ${ms.toFixed(2)}`);
  return `CPU per ${unit}: ${c.total_ms.toFixed(2)} ms over the stack (${c.cores_busy.toFixed(2)} cores busy over ${c.seconds.toFixed(0)} s; load generator ${c.load_generator_ms.toFixed(2)} ms) — ${parts.join(', ')}`;
}
