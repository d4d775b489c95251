#!/usr/bin/env node
// Event pipeline benchmark on the distributed stack (PostgreSQL + Kafka + daprd + the
// Dapr scheduler, every role its own process): end-to-end latency, reminder accuracy,
// consumer resume time. Uses the stack `npm run stack` runs; starts it when it is not up
// (and stops it again afterwards). Writes bench/results/events.json.
//
//   npm run bench:events
//   BENCH_RATES=200 BENCH_DURATION=20 npm run bench:events   # quicker look
//   BENCH_PARTS=latency,reminders,resume                      # which parts to run
//
// Latency, two views:
//  - server side, exactly what the SLO uses: each consumer's kairos_event_e2e_latency_seconds
//    histogram (event time, stamped at commit → handler done), as the difference of two
//    scrapes around the run; percentiles are interpolated inside the histogram buckets, so
//    they are estimates; "≤ 25 ms" / "≤ 100 ms" fractions are exact (bucket bounds).
//  - client side, exact per event: request sent → the WebSocket client of the task's owner
//    received the task.created update (api → outbox → Dapr → Kafka → realtime → socket).
//    This includes the API request itself, so it is an upper bound of commit → handled.
// Load is open-loop: requests start on a fixed schedule whatever the responses do, so a
// slow system shows up as latency, not as a lower offered rate. Each run first says
// whether the stack kept up with the rate (capacityVerdict); past capacity its
// percentiles describe a backlog and the run says so.
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { fmt, quantiles, signUp } from './lib.mjs';
import { countStackCpu, formatStackCpu } from './stack-cpu.mjs';

const API = process.env.KAIROS_API ?? 'http://127.0.0.1:4000';
const REALTIME = process.env.KAIROS_REALTIME ?? 'ws://127.0.0.1:4004';
const STACK_DIR = process.env.KAIROS_STACK_DIR ?? join(process.cwd(), '.stack');
const ROLE_PORT = { api: 4000, notifier: 4001, recurrence: 4002, audit: 4003, realtime: 4004 };
const RATES = (process.env.BENCH_RATES ?? '200,1000').split(',').map(Number);
const DURATION = Number(process.env.BENCH_DURATION ?? 60);
const USERS = Number(process.env.BENCH_USERS ?? 20);
const REMINDERS = Number(process.env.BENCH_REMINDERS ?? 1000);
const DRAIN_LIMIT_S = Number(process.env.BENCH_DRAIN_LIMIT ?? 900);
const PARTS = (process.env.BENCH_PARTS ?? 'latency,reminders,resume').split(',');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// The benchmark measures capacity: a stack it starts has the per-user write limit off.
const stackEnv = { ...process.env, KAIROS_WRITE_RATE_LIMIT: process.env.KAIROS_WRITE_RATE_LIMIT ?? '0' };
const stackSh = (...args) =>
  execFileSync('bash', ['deploy/local/stack.sh', ...args], { stdio: ['ignore', 'ignore', 'inherit'], env: stackEnv });

async function up(url) {
  try {
    return (await fetch(`${url}/readyz`)).ok;
  } catch {
    return false;
  }
}

// ---- Prometheus text → cumulative histogram buckets per consumer -------------------------
async function scrapeHistogram(role, metric, match = () => true) {
  const text = await (await fetch(`http://127.0.0.1:${ROLE_PORT[role]}/metrics`)).text();
  const buckets = new Map();
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${metric}_bucket{`)) continue;
    const labels = Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (!match(labels)) continue;
    const le = labels.le === '+Inf' ? Infinity : Number(labels.le);
    buckets.set(le, (buckets.get(le) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return buckets;
}

function histogramDelta(before, after) {
  return [...after.entries()].map(([le, c]) => [le, c - (before.get(le) ?? 0)]).sort((a, b) => a[0] - b[0]);
}

/** Percentile estimate from cumulative buckets, linear inside the bucket (as histogram_quantile). */
function bucketQuantile(delta, p) {
  const total = delta.at(-1)?.[1] ?? 0;
  if (!total) return NaN;
  const rank = (p / 100) * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const [le, count] of delta) {
    if (count >= rank) {
      if (le === Infinity) return prevLe; // beyond the last bound: report the bound
      return prevLe + ((le - prevLe) * (rank - prevCount)) / Math.max(1, count - prevCount);
    }
    prevLe = le;
    prevCount = count;
  }
  return NaN;
}

const fractionWithin = (delta, le) => (delta.find(([b]) => b === le)?.[1] ?? NaN) / (delta.at(-1)?.[1] ?? NaN);
const maxBound = (delta) => {
  for (let i = 0; i < delta.length; i++) if (delta[i][1] === delta.at(-1)[1]) return delta[i][0];
  return NaN;
};

// ---- users, sockets ---------------------------------------------------------------------
function openSocket(user, onMessage) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${REALTIME}/ws?token=${user.token}`);
    const timer = setTimeout(() => reject(new Error('WebSocket hello not received in 10 s')), 10_000);
    ws.on('message', (raw) => {
      const msg = JSON.parse(String(raw));
      if (msg.type === 'hello') {
        clearTimeout(timer);
        resolve(ws);
      } else onMessage(msg, Date.now());
    });
    ws.on('error', reject);
  });
}

async function createTask(user, body) {
  const res = await fetch(`${API}/api/v1/tasks`, {
    method: 'POST',
    headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = await res.json();
  if (res.status !== 201) throw new Error(`POST /api/v1/tasks: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

// ---- part 1: end-to-end latency at a fixed offered rate ---------------------------------
async function latencyRun(users, rate) {
  const sentAt = new Map(); // title → ms
  const seenAt = new Map();
  const sockets = await Promise.all(
    users.map((u) =>
      openSocket(u, (msg, t) => {
        if (msg.type === 'task.created' && msg.task && sentAt.has(msg.task.title)) seenAt.set(msg.task.title, t);
      }),
    ),
  );
  const consumers = [
    ['audit', 'task-events'],
    ['recurrence', 'task-events'],
    ['realtime', 'task-updates'],
  ];
  const before = await Promise.all(
    consumers.map(([c, topic]) => scrapeHistogram(c, 'kairos_event_e2e_latency_seconds', (l) => l.consumer === c && l.topic === topic)),
  );
  const total = Math.round(rate * DURATION);
  const cpu = countStackCpu(STACK_DIR);
  const errors = [];
  const apiLatency = [];
  const pending = [];
  const answeredAt = [];
  const t0 = performance.now() + 50;
  let behind = 0;
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    else if (wait < -50) behind++;
    const title = `bench ${rate}/s #${i}`;
    const user = users[i % users.length];
    const started = Date.now();
    sentAt.set(title, started);
    pending.push(
      createTask(user, { title, priority: 'low', tags: ['bench'] })
        .then(() => {
          apiLatency[i] = Date.now() - started;
          answeredAt.push(performance.now());
        })
        .catch((e) => errors.push(e.message)),
    );
  }
  const sendSeconds = (performance.now() - t0) / 1000;
  const sendEnd = performance.now();
  await Promise.all(pending);
  // Past capacity the backlog drains after the run; wait for it (bounded) so the next part
  // starts on a quiet system, and report how long the drain took.
  const drainStarted = Date.now();
  const deadline = drainStarted + DRAIN_LIMIT_S * 1000;
  while (seenAt.size < total - errors.length && Date.now() < deadline) await sleep(100);
  const drainSeconds = (Date.now() - drainStarted) / 1000;
  const stackCpu = cpu.stop(total);
  await sleep(1000); // the last handled events reach the histograms
  const after = await Promise.all(
    consumers.map(([c, topic]) => scrapeHistogram(c, 'kairos_event_e2e_latency_seconds', (l) => l.consumer === c && l.topic === topic)),
  );
  for (const ws of sockets) ws.close();
  const client = quantiles([...seenAt].map(([title, t]) => t - sentAt.get(title)));
  const capacity = capacityVerdict({
    offered: rate,
    achieved: total / sendSeconds,
    sent: total,
    answeredDuringSend: answeredAt.filter((t) => t <= sendEnd + 1000).length,
    drainSeconds,
    // client latency of the first and the last fifth of the run, by send order
    firstFifth: quantiles(latencyOfSends(sentAt, seenAt, 0, Math.floor(total / 5), rate)).p50,
    lastFifth: quantiles(latencyOfSends(sentAt, seenAt, Math.ceil((4 * total) / 5), total, rate)).p50,
  });
  // client p50 / p90 and the API's p50 / p99 over each tenth of the run, by send order:
  // where warm-up or a backlog sits
  const byTenth = Array.from({ length: 10 }, (_, i) => {
    const [from, to] = [Math.floor((i * total) / 10), Math.floor(((i + 1) * total) / 10)];
    const client = quantiles(latencyOfSends(sentAt, seenAt, from, to, rate));
    const api = quantiles(apiLatency.slice(from, to).filter((ms) => ms !== undefined));
    return { p50: client.p50, p90: client.p90, api_p50: api.p50, api_p99: api.p99 };
  });
  const server = Object.fromEntries(
    consumers.map(([c], i) => {
      const d = histogramDelta(before[i], after[i]);
      const ms = (s) => s * 1000;
      return [
        c,
        {
          handled: d.at(-1)?.[1] ?? 0,
          p50: ms(bucketQuantile(d, 50)),
          p90: ms(bucketQuantile(d, 90)),
          p99: ms(bucketQuantile(d, 99)),
          max_le: ms(maxBound(d)),
          within_25ms: fractionWithin(d, 0.025),
          within_100ms: fractionWithin(d, 0.1),
          within_500ms: fractionWithin(d, 0.5),
        },
      ];
    }),
  );
  return {
    capacity,
    offered_per_s: rate,
    seconds: DURATION,
    sent: total,
    achieved_send_rate: total / sendSeconds,
    requests_started_late: behind,
    errors: errors.length,
    first_error: errors[0],
    api_ms: quantiles(apiLatency.filter((ms) => ms !== undefined)),
    delivered_to_client: seenAt.size,
    drain_after_send_s: drainSeconds,
    client_ms: client,
    client_ms_by_tenth: byTenth,
    server,
    stack_cpu: stackCpu,
  };
}

/** Client latencies of the requests sent i ∈ [from, to) (titles carry the index). */
function latencyOfSends(sentAt, seenAt, from, to, rate) {
  const out = [];
  for (let i = from; i < to; i++) {
    const title = `bench ${rate}/s #${i}`;
    if (seenAt.has(title)) out.push(seenAt.get(title) - sentAt.get(title));
  }
  return out;
}

/**
 * Whether the system kept up with the offered rate. Past capacity, requests and events
 * queue, latency grows for as long as the run lasts, and its percentiles describe the
 * length of the run, not the system: the bench says so instead of printing them as
 * latency. Signs, any of which means "beyond capacity": the load generator could not
 * send at the offered rate; the API answered fewer than 95 % of the requests while they
 * were being sent (+1 s); the events took more than 2 s to drain after the last request;
 * the last fifth of the run's events took over 5× (and over 250 ms) longer than the first
 * fifth's.
 */
function capacityVerdict(r) {
  const reasons = [];
  if (r.achieved < 0.95 * r.offered) reasons.push(`sent at ${fmt(r.achieved)}/s of ${r.offered}/s offered`);
  if (r.answeredDuringSend < 0.95 * r.sent) reasons.push(`API answered ${r.answeredDuringSend} of ${r.sent} requests while they were sent`);
  if (r.drainSeconds > 2) reasons.push(`events drained ${fmt(r.drainSeconds)} s after the last request`);
  if (r.lastFifth > 5 * r.firstFifth && r.lastFifth > 250)
    reasons.push(`latency grew during the run (p50 ${r.firstFifth} ms in the first fifth, ${r.lastFifth} ms in the last)`);
  return { within: reasons.length === 0, reasons, first_fifth_p50_ms: r.firstFifth, last_fifth_p50_ms: r.lastFifth };
}

// ---- part 2: reminders all due in the same second ---------------------------------------
async function reminderRun(users) {
  const received = new Map(); // task id → first receipt ms
  const duplicates = { n: 0 };
  const sockets = await Promise.all(
    users.map((u) =>
      openSocket(u, (msg, t) => {
        if (msg.type !== 'notification') return;
        const id = msg.notification.task_id;
        if (received.has(id)) duplicates.n++;
        else received.set(id, t);
      }),
    ),
  );
  const lateBefore = await scrapeHistogram('api', 'kairos_reminder_lateness_seconds');
  // due at a whole second far enough ahead for every create to land first
  const dueAt = Math.ceil((Date.now() + 15_000 + REMINDERS * 8) / 1000) * 1000;
  const at = new Date(dueAt).toISOString();
  const ids = new Set();
  const created = Date.now();
  for (let i = 0; i < REMINDERS; i += 50) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(50, REMINDERS - i) }, (_, j) =>
        createTask(users[(i + j) % users.length], { title: `reminder ${i + j}`, reminders: [{ at }] }),
      ),
    );
    for (const t of batch) ids.add(t.id);
  }
  const createSeconds = (Date.now() - created) / 1000;
  if (Date.now() > dueAt) throw new Error(`creating ${REMINDERS} reminders took ${createSeconds} s, past their due time`);
  // the stack's CPU from just before the due second until the last notification
  await sleep(dueAt - 500 - Date.now());
  const cpu = countStackCpu(STACK_DIR);
  const deadline = dueAt + 60_000;
  while (received.size < REMINDERS && Date.now() < deadline) await sleep(50);
  const stackCpu = cpu.stop(REMINDERS);
  await sleep(2000); // late duplicates, if any, would arrive now
  for (const ws of sockets) ws.close();
  const lateAfter = await scrapeHistogram('api', 'kairos_reminder_lateness_seconds');
  const d = histogramDelta(lateBefore, lateAfter);
  const lateness = [...received].filter(([id]) => ids.has(id)).map(([, t]) => t - dueAt);
  return {
    reminders: REMINDERS,
    create_seconds: createSeconds,
    received: lateness.length,
    missed: REMINDERS - lateness.length,
    early: lateness.filter((ms) => ms < 0).length,
    duplicates: duplicates.n,
    client_lateness_ms: quantiles(lateness),
    job_fired: d.at(-1)?.[1] ?? 0,
    job_lateness_ms: { p50: bucketQuantile(d, 50) * 1000, p99: bucketQuantile(d, 99) * 1000, max_le: maxBound(d) * 1000 },
    stack_cpu: stackCpu,
  };
}

// ---- part 3: a consumer killed with SIGKILL, restarted, back to handling events --------
async function resumeRun(user) {
  const pid = Number(readFileSync(join(STACK_DIR, 'run', 'audit.pid'), 'utf8').trim());
  const history = async (id) => {
    const res = await fetch(`${API}/api/v1/tasks/${id}/history`, { headers: { authorization: `Bearer ${user.token}` } });
    return res.ok ? (await res.json()).items : [];
  };
  const killedAt = Date.now();
  process.kill(pid, 'SIGKILL');
  // what a supervisor (the kubelet, here the runner) does: start it again
  const restart = promisify(execFile)('bash', ['deploy/local/stack.sh', 'up']);
  let first = null;
  const probes = [];
  while (!first && Date.now() - killedAt < 120_000) {
    const task = await createTask(user, { title: `after kill ${probes.length}` });
    probes.push(task.id);
    for (const id of probes.slice(-20)) {
      const h = await history(id);
      if (h.length) first = Date.now();
    }
    await sleep(100);
  }
  await restart;
  // every probe written while it was down must still get its entry
  const deadline = Date.now() + 30_000;
  let missing = probes.length;
  while (missing && Date.now() < deadline) {
    missing = 0;
    for (const id of probes) if (!(await history(id)).length) missing++;
    if (missing) await sleep(500);
  }
  return {
    consumer: 'audit',
    resume_seconds: first ? (first - killedAt) / 1000 : NaN,
    events_while_down: probes.length,
    missing_after: missing,
  };
}

// ---- main ---------------------------------------------------------------------------------
let startedStack = false;
if (!(await up(API)) || !(await up(`http://127.0.0.1:${ROLE_PORT.realtime}`))) {
  console.log('stack not running: starting it (bash deploy/local/stack.sh up)…');
  stackSh('up');
  startedStack = true;
}
try {
  const users = [];
  for (let i = 0; i < USERS; i++) users.push(await signUp(API, `events-${i}`));
  const result = { date: new Date().toISOString(), load_before: loadavg(), latency: [], reminders: null, resume: null };

  if (PARTS.includes('latency')) {
    for (const rate of RATES) {
      console.log(
        `\nlatency at ${rate} creates/s (each: 1 task-event for audit + recurrence, 1 task-update for realtime), ${DURATION} s open-loop…`,
      );
      const r = await latencyRun(users, rate);
      result.latency.push(r);
      console.log(
        r.capacity.within
          ? `  within capacity: the stack kept up with ${rate}/s (p50 ${r.capacity.first_fifth_p50_ms} ms in the first fifth, ${r.capacity.last_fifth_p50_ms} ms in the last)`
          : `  BEYOND CAPACITY at ${rate}/s — ${r.capacity.reasons.join('; ')}. The percentiles below measure a growing backlog, not latency.`,
      );
      console.log(
        `  sent ${r.sent} at ${fmt(r.achieved_send_rate)}/s, errors ${r.errors}${r.first_error ? ` (${r.first_error})` : ''}, API p50 ${r.api_ms.p50} ms p99 ${r.api_ms.p99} ms`,
      );
      console.log(`  client p50 / p90 by tenth of the run (ms): ${r.client_ms_by_tenth.map((t) => `${t.p50}/${t.p90}`).join('  ')}`);
      console.log(
        `  API p50 / p99 by tenth of the run (ms):    ${r.client_ms_by_tenth.map((t) => `${t.api_p50}/${t.api_p99}`).join('  ')}`,
      );
      for (const [c, s] of Object.entries(r.server)) {
        console.log(
          `  ${c.padEnd(10)} handled ${s.handled}: p50 ${fmt(s.p50)} ms, p90 ${fmt(s.p90)} ms, p99 ${fmt(s.p99)} ms, max ≤ ${s.max_le} ms; ≤25 ms ${fmt(100 * s.within_25ms)}%, ≤100 ms ${fmt(100 * s.within_100ms)}%, ≤500 ms ${fmt(100 * s.within_500ms)}%`,
        );
      }
      console.log(
        `  client (request sent → WebSocket update): ${r.delivered_to_client}/${r.sent} received (drained ${fmt(r.drain_after_send_s)} s after the last request), p50 ${r.client_ms.p50} ms, p90 ${r.client_ms.p90} ms, p99 ${r.client_ms.p99} ms, max ${r.client_ms.max} ms`,
      );
      console.log(`  ${formatStackCpu(r.stack_cpu, 'create')}`);
      await sleep(5000); // let the system settle between runs
    }
  }
  if (PARTS.includes('reminders')) {
    console.log(`\n${REMINDERS} reminders due in the same second…`);
    const r = await reminderRun(users);
    result.reminders = r;
    console.log(
      `  created in ${fmt(r.create_seconds)} s; received ${r.received}, missed ${r.missed}, early ${r.early}, duplicates ${r.duplicates}`,
    );
    console.log(
      `  lateness at the client: p50 ${r.client_lateness_ms.p50} ms, p99 ${r.client_lateness_ms.p99} ms, max ${r.client_lateness_ms.max} ms; job fired late p50 ${fmt(r.job_lateness_ms.p50)} ms, p99 ${fmt(r.job_lateness_ms.p99)} ms (${r.job_fired} jobs)`,
    );
    console.log(`  ${formatStackCpu(r.stack_cpu, 'reminder')}`);
  }
  if (PARTS.includes('resume')) {
    console.log('\nkill -9 of the audit consumer while events keep coming…');
    const r = await resumeRun(users[0]);
    result.resume = r;
    console.log(
      `  handling again ${fmt(r.resume_seconds)} s after the kill; ${r.events_while_down} events meanwhile, ${r.missing_after} missing afterwards`,
    );
  }
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/events.json', `${JSON.stringify(result, null, 2)}\n`);
  console.log('\nwrote bench/results/events.json');
} finally {
  if (startedStack) stackSh('down');
}
