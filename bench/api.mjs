#!/usr/bin/env node
// REST API benchmark on loopback: a user with 1,000 tasks; list (page of 50 with a
// filter), create, complete — against PGlite and, when DATABASE_URL is set, PostgreSQL.
// Prints req/s, p50/p99 latency and the server's CPU use; writes bench/results/api.json.
//
// In the same run it measures the machine's limits (bench/limit-server.mjs): a plain
// node:http server answering with the list's page as fixed bytes, and (PostgreSQL) one
// that runs only the list's query, one prepared statement returning the stored JSON of
// 50 tasks (behind node:http and behind bare Fastify; the higher of the two is the limit).
// Kairos's req/s are printed as a fraction of the one-query limit, which
// drifts far less between machines and runs than absolute figures. Goals: list ≥ 0.75,
// search ≥ 0.60, create and complete ≥ 0.50. The reads' fractions come from a second,
// alternating measurement (short slices of the limit and of Kairos in turn; see
// `alternating`), because the machine's speed drifts between runs minutes apart:
//   BENCH_RATIO_ROUNDS=6 BENCH_RATIO_SLICE=3    rounds, and seconds per slice
//
//   npm run bench:api                       # PGlite, plus PostgreSQL if DATABASE_URL is set
//   BENCH_DURATION=20 npm run bench:api     # seconds per scenario (default 10)
//   BENCH_DATABASES=postgres npm run bench:api   # only PostgreSQL (or `pglite`)
//
// PostgreSQL runs use their own database, `<DATABASE_URL's database>_bench`, created
// afresh for every run (so figures do not drift with what earlier runs left), so that the
// bench's users, tasks and signing key never mix with the database the tests or a dev
// server use.
//   BENCH_SCENARIOS=list,create npm run bench:api # only scenarios whose name starts with one of these
//                                           (`limit` runs the limit servers, `export` times
//                                           the export of the seeded tasks and their import)
//   BENCH_CPU_PROF=/tmp/prof npm run bench:api    # the server writes a V8 CPU profile there;
//                                           node bench/profile-top.mjs <file> summarises it
//   BENCH_NODE_ARGS='--trace-gc' npm run bench:api # more flags for the server's node (space-separated)
//
// Full-speed scenarios are closed-loop (autocannon, 16 connections); "at N req/s" ones are
// open-loop (open-loop.mjs): requests due evenly through the run, latency from when each
// was due.
//
// CPU is reported as % of one core and as CPU milliseconds per request, for the server
// process and (PostgreSQL only) for the database backends serving its pool. On a shared
// machine the per-request CPU is the fairer comparison: it does not depend on how much
// CPU other work left over. The load average at each run is recorded too.
import autocannon from 'autocannon';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLoop } from './open-loop.mjs';
import {
  analyze,
  benchDatabaseUrl,
  cpuSeconds,
  dbBackendCpu,
  fmt,
  middleHalf,
  outboxDrained,
  seed,
  signUp,
  startLimitServer,
  startServer,
} from './lib.mjs';

const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const SEED = 1000;
const DATABASES = (process.env.BENCH_DATABASES ?? 'pglite,postgres').split(',');
const SCENARIOS = process.env.BENCH_SCENARIOS?.split(',');

/** Closed loop at full speed (autocannon), or open loop at `rate` req/s (open-loop.mjs). */
function run({ rate, ...opts }) {
  if (rate) return openLoop({ duration: DURATION, connections: CONNECTIONS, rate, ...opts });
  return new Promise((resolve, reject) => {
    const instance = autocannon({ duration: DURATION, connections: CONNECTIONS, ...opts }, (err, res) =>
      err ? reject(err) : resolve(res),
    );
    autocannon.track(instance, { renderProgressBar: false, renderResultsTable: false, renderLatencyTable: false });
  });
}

async function scenario(server, name, opts) {
  if (SCENARIOS && !SCENARIOS.some((s) => name.startsWith(s))) return null;
  const db = server.databaseUrl ? await dbBackendCpu(server.databaseUrl) : null;
  const cpu0 = cpuSeconds(server.pid);
  const t0 = Date.now();
  const res = await run({ url: server.url, ...opts });
  const seconds = (Date.now() - t0) / 1000;
  const serverCpu = cpuSeconds(server.pid) - cpu0;
  const dbCpu = db ? await db.used() : null;
  // The events a write commits are delivered after it answered (the relay, then audit,
  // recurrence and realtime in this process): wait until they are, and count that CPU too,
  // or a run whose deliveries fall behind looks cheaper per request than one that keeps up.
  let backlog = null;
  if (server.kairos) {
    const drainS = (await outboxDrained(server.url)) / 1000 - 5.2;
    const serverAll = cpuSeconds(server.pid) - cpu0;
    const dbAll = db ? await db.stop() : null;
    const total = res.requests.total || 1;
    backlog = {
      drained_after_s: Number(Math.max(0, drainS).toFixed(1)),
      server_cpu_ms_per_req_with_events: Number(((serverAll * 1000) / total).toFixed(3)),
      ...(dbAll === null ? {} : { db_cpu_ms_per_req_with_events: Number(((dbAll * 1000) / total).toFixed(3)) }),
    };
  } else if (db) await db.stop();
  const errors = res.errors + res.timeouts + (res.non2xx ?? 0);
  const total = res.requests.total || 1;
  // Past capacity an open-loop run's requests queue for as long as it lasts: its
  // percentiles then measure the length of the run, not the server's latency.
  const beyondCapacity = Boolean(opts.rate) && res.requests.average < 0.95 * opts.rate;
  const row = {
    scenario: name,
    ...(opts.rate ? { offered_per_s: opts.rate, beyond_capacity: beyondCapacity } : {}),
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
    ...(backlog ?? {}),
    load_avg_1m: Number(loadavg()[0].toFixed(2)),
  };
  if (errors) {
    // what went wrong, so a run with errors explains itself
    const statuses = Object.entries(res.statusCodeStats ?? {}).filter(([code]) => !code.startsWith('2'));
    row.error_detail = {
      connection_errors: res.errors,
      timeouts: res.timeouts,
      statuses: Object.fromEntries(statuses.map(([c, v]) => [c, v.count])),
    };
  }
  const dbText = dbCpu === null ? '' : `   db CPU ${row.db_cpu_pct}% (${fmt(row.db_cpu_ms_per_req, 2)} ms/req)`;
  const withEvents =
    backlog && name.match(/create|complete/)
      ? `   with its events: server ${fmt(backlog.server_cpu_ms_per_req_with_events, 2)}${backlog.db_cpu_ms_per_req_with_events === undefined ? '' : ` + db ${fmt(backlog.db_cpu_ms_per_req_with_events, 2)}`} ms/req`
      : '';
  console.log(
    `  ${name.padEnd(34)} ${fmt(res.requests.average, 0).padStart(7)} req/s   p50 ${fmt(res.latency.p50, 2).padStart(6)} ms   p99 ${fmt(res.latency.p99, 2).padStart(6)} ms   errors ${errors}${row.error_detail ? ` ${JSON.stringify(row.error_detail)}` : ''}   server CPU ${row.server_cpu_pct}% (${fmt(row.server_cpu_ms_per_req, 2)} ms/req)${dbText}${withEvents}   load ${row.load_avg_1m}`,
  );
  if (beyondCapacity)
    console.log(
      `  ${''.padEnd(34)} BEYOND CAPACITY: answered ${fmt(res.requests.average, 0)}/s of ${opts.rate}/s offered — the percentiles above measure a growing queue`,
    );
  return row;
}

/** Ratios to the one-query limit, and the goal each must meet. */
const GOALS = [
  ['list (50, filtered) max', 0.75],
  ['list search "gro"', 0.6],
  ['create max', 0.5],
  ['complete (complete/reopen) max', 0.5],
];

/**
 * Runs the limit servers' scenarios. The one-query servers stay up for the alternating
 * measurement (`alternating`); the caller stops them (`stop`).
 */
async function limits(rows, server, user, listPath) {
  const page = await (await fetch(`${server.url}${listPath}`, { headers: { authorization: `Bearer ${user.token}` } })).text();
  const dir = mkdtempSync(join(tmpdir(), 'kairos-bench-page-'));
  writeFileSync(join(dir, 'page.json'), page);
  const servers = [['limit: fixed page (node:http)', await startLimitServer('fixed', join(dir, 'page.json'))]];
  if (server.databaseUrl)
    servers.push(
      ['limit: one query (pg, stored JSON)', await startLimitServer('query', user.id, { databaseUrl: server.databaseUrl })],
      ['limit: bare Fastify + one query', await startLimitServer('fastify', user.id, { databaseUrl: server.databaseUrl })],
    );
  let stopped;
  const stop = () =>
    (stopped ??= (async () => {
      for (const [, limit] of servers) await limit.stop();
      rmSync(dir, { recursive: true, force: true });
    })());
  try {
    console.log(`  the machine's limits (page of ${(page.length / 1024).toFixed(1)} kB):`);
    for (const [name, limit] of servers) {
      rows.push(await scenario(limit, name, { requests: [{ method: 'GET', path: listPath }] }));
      // the list's latency goal at 1,000 req/s, against what one query per request allows
      if (name.startsWith('limit: one query'))
        rows.push(await scenario(limit, `${name} at 1000 req/s`, { rate: 1000, requests: [{ method: 'GET', path: listPath }] }));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { oneQuery: servers.filter(([name]) => !name.includes('fixed page')), stop };
}

const ROUNDS = Number(process.env.BENCH_RATIO_ROUNDS ?? 6);
const SLICE = Number(process.env.BENCH_RATIO_SLICE ?? 3);

/**
 * A read scenario as a fraction of the one-query limit, measured in alternation: short
 * closed-loop slices of the limit server and of Kairos, limit first in odd rounds and
 * second in even ones, one ratio per round. Measured minutes apart (the full-length rows
 * above), the same build's ratio moved between 0.43 and 0.72 on one evening: this
 * machine's speed drifts by more than most changes move it, and alternating slices share
 * the drift. Returns the rounds' median and middle half, and every limit slice's req/s.
 */
async function alternating(server, limit, request) {
  const ratios = [];
  const limitRates = [];
  const slice = async (target) => {
    const res = await run({ url: target.url, duration: SLICE, requests: [request] });
    const errors = res.errors + res.timeouts + res.non2xx;
    if (errors) throw new Error(`${errors} errors in a ${SLICE} s slice against ${target.url}`);
    return res.requests.average;
  };
  await slice(server); // one unmeasured slice each: the route's first requests compile it
  await slice(limit);
  for (let round = 0; round < ROUNDS; round++) {
    const rates = {};
    for (const [name, target] of round % 2
      ? [
          ['kairos', server],
          ['limit', limit],
        ]
      : [
          ['limit', limit],
          ['kairos', server],
        ])
      rates[name] = await slice(target);
    ratios.push(rates.kairos / rates.limit);
    limitRates.push(rates.limit);
  }
  const { median, q1, q3 } = middleHalf(ratios);
  const r3 = (r) => Number(r.toFixed(3));
  return { median: r3(median), middle_half: [r3(q1), r3(q3)], rounds: ratios.map(r3), limitRates };
}

async function benchDatabase(label, databaseUrl) {
  console.log(`\n== ${label} ==`);
  const server = await startServer({
    databaseUrl,
    nodeArgs: [
      ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []),
      ...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
    ],
  });
  try {
    const user = await signUp(server.url);
    const auth = { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' };
    const t0 = Date.now();
    const ids = await seed(server.url, user.token, SEED);
    if (server.databaseUrl) await analyze(server.databaseUrl);
    console.log(
      `  seeded ${ids.length} tasks in ${((Date.now() - t0) / 1000).toFixed(1)} s; outbox empty again ${(await outboxDrained(server.url)) / 1000} s later (its gauge is read every 5 s)`,
    );
    const listPath = '/api/v1/tasks?status=pending&priority=high,medium&sort=due&limit=50';
    const rows = [];
    console.log(
      `  load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    const limit = !SCENARIOS || SCENARIOS.includes('limit') ? await limits(rows, server, user, listPath) : null;
    try {
      console.log('  Kairos:');
      const list = { method: 'GET', path: listPath, headers: auth };
      const search = { method: 'GET', path: '/api/v1/tasks?q=gro&limit=50', headers: auth };
      rows.push(await scenario(server, 'list (50, filtered) max', { requests: [list] }));
      rows.push(await scenario(server, 'list (50, filtered) at 1000 req/s', { rate: 1000, requests: [list] }));
      rows.push(await scenario(server, 'list search "gro"', { requests: [search] }));
      // The reads again, alternating with the one-query limit (before the writes add tasks).
      const alternated = {};
      if (limit?.oneQuery.length) {
        const rate = ([name]) => rows.find((r) => r?.scenario === name)?.['req/s'] ?? 0;
        const [limitName, limitServer] = [...limit.oneQuery].sort((a, b) => rate(b) - rate(a))[0];
        for (const [name, request] of [
          ['list (50, filtered) max', list],
          ['list search "gro"', search],
        ]) {
          if (!rows.some((r) => r?.scenario === name)) continue;
          if (!Object.keys(alternated).length)
            console.log(`  alternating with ${limitName.replace(/^limit: /, '')}: ${ROUNDS} rounds of ${SLICE} s slices`);
          alternated[name] = { limit: limitName, ...(await alternating(server, limitServer, request)) };
          console.log(`    ${name.padEnd(34)} ratio per round ${alternated[name].rounds.map((r) => r.toFixed(2)).join(' ')}`);
        }
      }
      await limit?.stop();
      let n = 0;
      const create = {
        method: 'POST',
        path: '/api/v1/tasks',
        headers: auth,
        setupRequest: (req) => ({ ...req, body: JSON.stringify({ title: `Bench ${n++}`, priority: 'medium', tags: ['bench'] }) }),
      };
      rows.push(await scenario(server, 'create max', { requests: [create] }));
      rows.push(await scenario(server, 'create at 500 req/s', { rate: 500, requests: [create] }));
      // The same rate from 16 users: one user's writes wait for each other's commit (their
      // events are numbered in commit order), and 500/s from one user is 25× its write limit.
      if (!SCENARIOS || SCENARIOS.some((s) => 'create at 500 req/s, 16 users'.startsWith(s))) {
        const writers = [user, ...(await Promise.all(Array.from({ length: 15 }, () => signUp(server.url))))];
        rows.push(
          await scenario(server, 'create at 500 req/s, 16 users', {
            rate: 500,
            requests: [
              {
                ...create,
                setupRequest: (req) => {
                  const k = n++;
                  return {
                    ...req,
                    headers: { ...auth, authorization: `Bearer ${writers[k % writers.length].token}` },
                    body: JSON.stringify({ title: `Bench ${k}`, priority: 'medium', tags: ['bench'] }),
                  };
                },
              },
            ],
          }),
        );
      }
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
      const done = rows.filter(Boolean);
      // The one query behind node:http and behind bare Fastify measure the same limit (the
      // framework costs nothing measurable); on a noisy machine one of them can come out low,
      // which would flatter every ratio, so the higher of the two is the limit of the
      // full-length runs. The writes are compared with the median of the alternating
      // measurement's limit slices when there is one: more samples of the same limit.
      const limitRow = done
        .filter((r) => r.scenario.startsWith('limit: one query') || r.scenario.startsWith('limit: bare Fastify'))
        .sort((a, b) => b['req/s'] - a['req/s'])[0];
      const slices = Object.values(alternated)
        .flatMap((a) => a.limitRates)
        .sort((a, b) => a - b);
      const limitRate = slices.length ? slices[slices.length >> 1] : limitRow?.['req/s'];
      const ratios = {};
      if (limitRate) {
        console.log(
          slices.length
            ? `  as a fraction of the one-query limit (reads: median of the alternating rounds, middle half in brackets; writes: against the limit slices' median, ${Math.round(limitRate)} req/s):`
            : `  as a fraction of the one-query limit (${limitRow['req/s']} req/s, ${limitRow.scenario.replace(/^limit: /, '')}):`,
        );
        for (const [name, goal] of GOALS) {
          const row = done.find((r) => r.scenario === name);
          if (!row) continue;
          const a = alternated[name];
          ratios[name] = a ? a.median : Number((row['req/s'] / limitRate).toFixed(3));
          const spread = a ? ` [${a.middle_half.map((r) => r.toFixed(2)).join('–')}]` : '';
          console.log(
            `    ${name.padEnd(34)} ${ratios[name].toFixed(2)}${spread.padEnd(12)}   goal ≥ ${goal.toFixed(2)}  ${ratios[name] >= goal ? 'met' : 'MISSED'}`,
          );
        }
      }
      const portability = !SCENARIOS || SCENARIOS.includes('export') ? await exportImport(server.url) : undefined;
      await outboxDrained(server.url); // leave no backlog in the bench database for the next run
      return { database: label, rows: done, ratios, alternated, portability };
    } finally {
      await limit?.stop();
    }
  } finally {
    await server.stop();
  }
}

/**
 * A user with the seed's tasks exports them, and a new account imports the document: one
 * request each, timed. A user of its own, seeded like the bench's: by now the bench's user
 * also has every task the write scenarios created, more than one import accepts.
 */
async function exportImport(url) {
  const source = await signUp(url, 'exporter');
  await seed(url, source.token, SEED);
  let t0 = performance.now();
  const res = await fetch(`${url}/api/v1/export`, { headers: { authorization: `Bearer ${source.token}` } });
  const doc = await res.text();
  const exportMs = performance.now() - t0;
  if (res.status !== 200) throw new Error(`export: ${res.status} ${doc.slice(0, 300)}`);
  const tasks = JSON.parse(doc).tasks.length;
  const other = await signUp(url, 'importer');
  t0 = performance.now();
  const imported = await fetch(`${url}/api/v1/import`, {
    method: 'POST',
    headers: { authorization: `Bearer ${other.token}`, 'content-type': 'application/json' },
    body: doc,
  });
  const importMs = performance.now() - t0;
  if (imported.status !== 201) throw new Error(`import: ${imported.status} ${(await imported.text()).slice(0, 300)}`);
  console.log(
    `  export of ${tasks} tasks (${(doc.length / 1e6).toFixed(2)} MB): ${fmt(exportMs, 0)} ms; their import into a new account: ${fmt(importMs, 0)} ms`,
  );
  return { tasks, bytes: doc.length, export_ms: Math.round(exportMs), import_ms: Math.round(importMs) };
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
