#!/usr/bin/env node
// REST API benchmark on loopback: a user with 1,000 tasks; list (page of 50 with a
// filter), create, complete — against PGlite and, when DATABASE_URL is set, PostgreSQL.
// Prints req/s, p50/p99 latency and the server's CPU use; writes bench/results/api.json.
//
//   npm run bench:api                       # PGlite, plus PostgreSQL if DATABASE_URL is set
//   BENCH_DURATION=20 npm run bench:api     # seconds per scenario (default 10)
//   BENCH_DATABASES=postgres npm run bench:api   # only PostgreSQL (or `pglite`)
//
// PostgreSQL runs use their own database, `<DATABASE_URL's database>_bench` (created if
// missing), so that the bench's users, tasks and signing key (encrypted with the bench's
// auth secret) never mix with the database the tests or a dev server use.
//   BENCH_SCENARIOS=list,create npm run bench:api # only scenarios whose name starts with one of these
//
// CPU is reported as % of one core and as CPU milliseconds per request, for the server
// process and (PostgreSQL only) for the database backends serving its pool. On a shared
// machine the per-request CPU is the fairer comparison: it does not depend on how much
// CPU other work left over. The load average at each run is recorded too.
import autocannon from 'autocannon';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { benchDatabaseUrl, cpuSeconds, dbBackendCpu, fmt, signUp, startServer } from './lib.mjs';

const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const SEED = 1000;
const DATABASES = (process.env.BENCH_DATABASES ?? 'pglite,postgres').split(',');
const SCENARIOS = process.env.BENCH_SCENARIOS?.split(',');

function run(opts) {
  return new Promise((resolve, reject) => {
    const instance = autocannon({ duration: DURATION, connections: CONNECTIONS, ...opts }, (err, res) =>
      err ? reject(err) : resolve(res),
    );
    autocannon.track(instance, { renderProgressBar: false, renderResultsTable: false, renderLatencyTable: false });
  });
}

async function seed(url, token, n) {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const priorities = ['none', 'low', 'medium', 'high'];
  const ids = [];
  for (let i = 0; i < n; i += 25) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(25, n - i) }, (_, j) => {
        const k = i + j;
        const body = {
          title: `Task ${k} ${k % 7 === 0 ? 'groceries' : 'report'}`,
          priority: priorities[k % 4],
          tags: [`t${k % 10}`],
          due_at: new Date(Date.now() + (k - 500) * 3_600_000).toISOString(),
        };
        return fetch(`${url}/api/v1/tasks`, { method: 'POST', headers, body: JSON.stringify(body) }).then((r) => r.json());
      }),
    );
    ids.push(...batch.map((t) => t.id));
  }
  return ids;
}

async function scenario(server, name, opts) {
  if (SCENARIOS && !SCENARIOS.some((s) => name.startsWith(s))) return null;
  const db = server.databaseUrl ? await dbBackendCpu(server.databaseUrl) : null;
  const cpu0 = cpuSeconds(server.pid);
  const t0 = Date.now();
  const res = await run({ url: server.url, ...opts });
  const seconds = (Date.now() - t0) / 1000;
  const serverCpu = cpuSeconds(server.pid) - cpu0;
  const dbCpu = db ? await db.stop() : null;
  const errors = res.errors + res.timeouts + (res.non2xx ?? 0);
  const total = res.requests.total || 1;
  const row = {
    scenario: name,
    'req/s': Math.round(res.requests.average),
    p50_ms: res.latency.p50,
    p99_ms: res.latency.p99,
    max_ms: res.latency.max,
    errors,
    server_cpu_pct: Math.round((serverCpu / seconds) * 100),
    server_cpu_ms_per_req: Number(((serverCpu * 1000) / total).toFixed(3)),
    ...(dbCpu === null
      ? {}
      : { db_cpu_pct: Math.round((dbCpu / seconds) * 100), db_cpu_ms_per_req: Number(((dbCpu * 1000) / total).toFixed(3)) }),
    load_avg_1m: Number(loadavg()[0].toFixed(2)),
  };
  const dbText = dbCpu === null ? '' : `   db CPU ${row.db_cpu_pct}% (${fmt(row.db_cpu_ms_per_req, 2)} ms/req)`;
  console.log(
    `  ${name.padEnd(34)} ${fmt(res.requests.average, 0).padStart(7)} req/s   p50 ${fmt(res.latency.p50, 2).padStart(6)} ms   p99 ${fmt(res.latency.p99, 2).padStart(6)} ms   errors ${errors}   server CPU ${row.server_cpu_pct}% (${fmt(row.server_cpu_ms_per_req, 2)} ms/req)${dbText}   load ${row.load_avg_1m}`,
  );
  return row;
}

async function benchDatabase(label, databaseUrl) {
  console.log(`\n== ${label} ==`);
  const server = await startServer({ databaseUrl });
  try {
    const user = await signUp(server.url);
    const auth = { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' };
    const t0 = Date.now();
    const ids = await seed(server.url, user.token, SEED);
    console.log(`  seeded ${ids.length} tasks in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const listPath = '/api/v1/tasks?status=pending&priority=high,medium&sort=due&limit=50';
    const rows = [];
    console.log(
      `  load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    rows.push(await scenario(server, 'list (50, filtered) max', { requests: [{ method: 'GET', path: listPath, headers: auth }] }));
    rows.push(
      await scenario(server, 'list (50, filtered) at 1500 req/s', {
        overallRate: 1500,
        requests: [{ method: 'GET', path: listPath, headers: auth }],
      }),
    );
    rows.push(
      await scenario(server, 'list search "gro"', { requests: [{ method: 'GET', path: '/api/v1/tasks?q=gro&limit=50', headers: auth }] }),
    );
    let n = 0;
    rows.push(
      await scenario(server, 'create max', {
        requests: [
          {
            method: 'POST',
            path: '/api/v1/tasks',
            headers: auth,
            setupRequest: (req) => ({ ...req, body: JSON.stringify({ title: `Bench ${n++}`, priority: 'medium', tags: ['bench'] }) }),
          },
        ],
      }),
    );
    // complete / reopen alternate over the seeded tasks so every request is a real write
    // (with a `{}` body: a JSON content type with an empty body is a 400)
    let c = 0;
    rows.push(
      await scenario(server, 'complete (complete/reopen) max', {
        requests: [
          {
            method: 'POST',
            headers: auth,
            setupRequest: (req) => {
              const i = c++;
              const action = Math.floor(i / ids.length) % 2 ? 'reopen' : 'complete';
              return { ...req, path: `/api/v1/tasks/${ids[i % ids.length]}/${action}`, body: '{}' };
            },
          },
        ],
      }),
    );
    return { database: label, rows: rows.filter(Boolean) };
  } finally {
    await server.stop();
  }
}

const results = [];
if (DATABASES.includes('pglite')) results.push(await benchDatabase('PGlite (embedded)', undefined));
if (!DATABASES.includes('postgres')) {
  /* PGlite only */
} else if (process.env.DATABASE_URL) results.push(await benchDatabase('PostgreSQL', await benchDatabaseUrl(process.env.DATABASE_URL)));
else console.log('\n(set DATABASE_URL to also benchmark PostgreSQL)');
mkdirSync('bench/results', { recursive: true });
writeFileSync(
  'bench/results/api.json',
  JSON.stringify({ at: new Date().toISOString(), duration_s: DURATION, connections: CONNECTIONS, load_avg: loadavg(), results }, null, 2),
);
console.log('\nwritten: bench/results/api.json');
