// Shared helpers for the benchmarks: start the built backend, sign up, measure CPU.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';

export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Starts `node backend/dist/main.js --role all` and waits for /readyz. */
export async function startServer({ databaseUrl, env = {}, nodeArgs = [], entry } = {}) {
  const port = await freePort();
  const dataDir = databaseUrl ? null : mkdtempSync(join(tmpdir(), 'kairos-bench-'));
  const { DATABASE_URL: _ignored, ...inherited } = process.env;
  // BENCH_SERVER_ENTRY runs another build (e.g. a copy of an older dist/) for before/after figures.
  const main = entry ?? (process.env.BENCH_SERVER_ENTRY || 'backend/dist/main.js');
  const child = spawn(process.execPath, [...nodeArgs, main, '--role', 'all'], {
    env: {
      ...inherited,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      KAIROS_AUTH_RATE_LIMIT: '0',
      KAIROS_WRITE_RATE_LIMIT: '0', // the benchmark measures capacity, not the per-user limit
      // Connection recycling spreads clients over replicas behind a Service; with one
      // process it only costs reconnects, and autocannon does not honour `Connection:
      // close` (its next request on that socket gets Node's 503). The limit servers do not
      // recycle either.
      KAIROS_HTTP_MAX_REQUESTS_PER_SOCKET: '0',
      BETTER_AUTH_SECRET: 'bench-secret-bench-secret-bench-secret-0000',
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : { KAIROS_DATA_DIR: dataDir }),
      ...env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error('server did not become ready in 60 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    pid: child.pid,
    databaseUrl,
    kairos: true,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Starts bench/limit-server.mjs (`fixed <file>` or `query <user id>`) and waits until it listens. */
export async function startLimitServer(mode, arg, { databaseUrl } = {}) {
  const port = await freePort();
  const child = spawn(process.execPath, ['bench/limit-server.mjs', mode, String(port), arg], {
    env: { ...process.env, ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`limit server (${mode}) exited with ${code}`)));
    child.stdout.once('data', resolve);
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid,
    databaseUrl,
    async stop() {
      child.removeAllListeners('exit');
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

/**
 * Waits until the server's outbox is empty (the previous scenario's events delivered), so
 * background work does not blur the next scenario. The gauge is refreshed every 5 s (and
 * reads 0 before its first refresh), so one refresh period passes before it is trusted.
 */
export async function outboxDrained(url, timeoutMs = 300_000) {
  const t0 = Date.now();
  await new Promise((r) => setTimeout(r, 5200));
  for (;;) {
    const text = await (await fetch(`${url}/metrics`)).text();
    const pending = Number(text.match(/^kairos_outbox_pending (\S+)/m)?.[1] ?? 0);
    if (pending === 0) return Date.now() - t0;
    if (Date.now() - t0 > timeoutMs) throw new Error(`outbox still has ${pending} rows after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function signUp(url, name = 'bench') {
  const email = `${name}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`;
  const signUpOnce = () =>
    fetch(`${url}/api/auth/sign-up/email`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: 'bench-password-1', name }),
    });
  let res = await signUpOnce();
  // sign-ups are rate limited per client: a bench run right after another waits its turn
  for (let attempt = 0; res.status === 429 && attempt < 20; attempt++) {
    const waitS = Number(res.headers.get('retry-after')) || 1;
    await new Promise((r) => setTimeout(r, waitS * 1000));
    res = await signUpOnce();
  }
  if (!res.ok) throw new Error(`sign-up failed: ${res.status} ${await res.text()}`);
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const user = (await res.json()).user;
  const token = (await (await fetch(`${url}/api/auth/token`, { headers: { cookie } })).json()).token;
  return { id: user.id, token };
}

/** CPU seconds (user + system) a process has used, from /proc. */
export function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / 100;
}

/**
 * The bench's own database next to DATABASE_URL's (`kairos` → `kairos_bench`), dropped and
 * created afresh for every run: on a database that earlier runs filled and updated, the same
 * list query cost several times more (dead row versions, index bloat), so figures drifted
 * from run to run.
 */
export async function benchDatabaseUrl(databaseUrl) {
  const url = new URL(databaseUrl);
  const name = `${decodeURIComponent(url.pathname.slice(1)) || 'postgres'}_bench`;
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const quoted = `"${name.replaceAll('"', '""')}"`;
    await client.query(`drop database if exists ${quoted} with (force)`);
    await client.query(`create database ${quoted}`);
  } finally {
    await client.end();
  }
  url.pathname = `/${encodeURIComponent(name)}`;
  return url.toString();
}

/**
 * CPU used by the PostgreSQL backends serving the server's pool (application_name
 * 'kairos'), from /proc — the database server must be on this machine. Returns a
 * handle whose used() and stop() give the CPU seconds those backends used since; backends
 * that connect meanwhile count from zero.
 */
export async function dbBackendCpu(databaseUrl) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'kairos-bench' });
  await client.connect();
  const pids = async () =>
    (await client.query(`select pid from pg_stat_activity where application_name = 'kairos'`)).rows.map((r) => r.pid);
  const read = (pid) => {
    try {
      return cpuSeconds(pid);
    } catch {
      return null; // exited, or not on this machine
    }
  };
  const start = new Map((await pids()).map((pid) => [pid, read(pid)]));
  const used = async () => {
    let total = 0;
    for (const pid of await pids()) {
      const now = read(pid);
      if (now !== null) total += now - (start.get(pid) ?? 0);
    }
    return total;
  };
  return {
    /** CPU seconds so far. */
    used,
    async stop() {
      const total = await used();
      await client.end();
      return total;
    },
  };
}

/**
 * The API benches' tasks for one user: `n` tasks over four priorities, ten tags and due
 * dates around now (every seventh a "groceries" one, for the search). Returns their ids.
 */
export async function seed(url, token, n) {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const priorities = ['none', 'low', 'medium', 'high'];
  const ids = [];
  for (let i = 0; i < n; i += 25) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(25, n - i) }, async (_, j) => {
        const k = i + j;
        const body = {
          title: `Task ${k} ${k % 7 === 0 ? 'groceries' : 'report'}`,
          priority: priorities[k % 4],
          tags: [`t${k % 10}`],
          due_at: new Date(Date.now() + (k - 500) * 3_600_000).toISOString(),
        };
        const res = await fetch(`${url}/api/v1/tasks`, { method: 'POST', headers, body: JSON.stringify(body) });
        if (res.status !== 201) throw new Error(`seed: ${res.status} ${await res.text()}`);
        return res.json();
      }),
    );
    ids.push(...batch.map((t) => t.id));
  }
  return ids;
}

/**
 * Statistics for the freshly seeded tables, as autovacuum would soon have them: without,
 * the planner's choice for the prepared list query changed in the middle of runs (when
 * autovacuum's analyze came), and the database's CPU per request with it (0.2–0.7 ms).
 */
export async function analyze(databaseUrl) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('analyze');
  } finally {
    await client.end();
  }
}

/** Exact percentiles (nearest rank) of a list of numbers; NaN when it is empty. */
export function quantiles(values) {
  const s = [...values].sort((a, b) => a - b);
  const q = (p) => (s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : NaN);
  return { n: s.length, p50: q(50), p90: q(90), p99: q(99), max: s.at(-1) ?? NaN };
}

/** The median and the middle half (first to third quartile, nearest rank) of a list of numbers. */
export function middleHalf(values) {
  const s = [...values].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return { median: at(0.5), q1: at(0.25), q3: at(0.75) };
}

export const fmt = (n, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : String(n));
