#!/usr/bin/env node
// Chat benchmark: the server's own cost of a chat turn, with the scripted model double
// (backend/test/assistant/scripted-model.ts) answering at once on 127.0.0.1. The built
// server (`--role all`, PGlite) runs as its own process; the model double and the clients
// run here (PGlite; PostgreSQL when DATABASE_URL is set). Each of BENCH_CONVERSATIONS conversations (default 20) sends BENCH_TURNS
// messages one after another (so history grows), all conversations at once; each turn is
// one tool call (add_task) and a confirmation, i.e. two model calls and one MCP tool
// round trip, like "Add a task to buy groceries".
//
//   npm run bench:chat
//   BENCH_CONVERSATIONS=20 BENCH_TURNS=15 npm run bench:chat
//   BENCH_CPU_PROF=/tmp/prof npm run bench:chat     # the server writes a V8 CPU profile there
//   DATABASE_URL=postgres://… npm run bench:chat     # on PostgreSQL (database <name>_bench) instead of PGlite
//
// Before the concurrent run, one conversation runs BENCH_SOLO_TURNS turns (default 10;
// 0: skip) alone: its tool trip is the server's own cost of one, without queueing. With
// the server's CPU per second of wall time ("cores busy": its JavaScript runs on one
// event loop, so near 1 it is saturated), that tells queueing from cost.
//
// Per turn it splits the wall time with the double's own timestamps:
//   before model  request in → first model request (auth, history load, user message
//                 stored, token minted, MCP initialize + tools/list over HTTP)
//   tool trip     model's tool call answered → next model request (the agent calls the
//                 tool over MCP/HTTP: auth, use case, task + outbox commit, result back)
//   after model   last model answer → response (reply stored, JSON sent)
//   server        turn − time inside the model double
// Writes bench/results/chat.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { startScriptedModel } from '../backend/test/assistant/scripted-model.ts';
import { benchDatabaseUrl, cpuSeconds, fmt, signUp, startServer } from './lib.mjs';

const CONVERSATIONS = Number(process.env.BENCH_CONVERSATIONS ?? 20);
const TURNS = Number(process.env.BENCH_TURNS ?? 15);
const WARMUP_TURNS = 2;
const SOLO_TURNS = Number(process.env.BENCH_SOLO_TURNS ?? 10);

const pct = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};
const summary = (values) => ({
  p50: pct(values, 50),
  p90: pct(values, 90),
  p99: pct(values, 99),
  max: Math.max(...values),
  n: values.length,
});

const model = await startScriptedModel({ timings: true });
model.script(/^Add a task to buy groceries/, [
  (ctx) => ({ tool: 'add_task', arguments: { title: ctx.message.replace(/^Add a task to /, '') } }),
  (ctx) => {
    const r = ctx.result('add_task');
    return { text: `Added "${r.title}" (task ${r.task_id}).` };
  },
]);
// PGlite (like `npm start`), or PostgreSQL when DATABASE_URL is set (its `<database>_bench` database)
const databaseUrl = process.env.DATABASE_URL ? await benchDatabaseUrl(process.env.DATABASE_URL) : undefined;
const DB = databaseUrl ? 'PostgreSQL' : 'PGlite';
const server = await startServer({
  databaseUrl,
  env: {
    LLM_BASE_URL: model.baseUrl,
    LLM_API_KEY: 'bench',
    LLM_MODEL: 'scripted-model',
  },
  nodeArgs: process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [],
});

async function conversation(user, c, turns, out) {
  const headers = { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' };
  let conversationId;
  for (let k = 0; k < turns; k++) {
    const message = `Add a task to buy groceries c${c} t${k} ${Math.random().toString(36).slice(2, 6)}`;
    const t0 = performance.now();
    const res = await fetch(`${server.url}/api/${user.id}/chat`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ message, ...(conversationId ? { conversation_id: conversationId } : {}) }),
    });
    const body = await res.json();
    const t1 = performance.now();
    if (res.status !== 200 || body.tool_calls?.[0]?.result?.status !== 'created')
      throw new Error(`turn failed: ${res.status} ${JSON.stringify(body)}`);
    conversationId = body.conversation_id;
    out?.push({ message, t0, t1, history: 2 * k });
  }
}

/** The turns of `users` (one conversation each, all at once), measured: rows, wall time, server CPU. */
async function measure(users, turns, label) {
  const out = [];
  const load0 = loadavg()[0];
  const cpu0 = cpuSeconds(server.pid);
  const started = performance.now();
  await Promise.all(users.map((u, c) => conversation(u, `${label}${c}`, turns, out)));
  const elapsed = (performance.now() - started) / 1000;
  const cpu = cpuSeconds(server.pid) - cpu0;
  return { out, elapsed, cpu, load: [load0, loadavg()[0]] };
}

let solo;
let concurrent;
try {
  // users first (password hashing is deliberately slow), one at a time
  const users = [];
  for (let c = 0; c < CONVERSATIONS; c++) users.push(await signUp(server.url, `chat${c}`));
  // warm-up (JIT, statement caches, signing key), then the measured runs
  await Promise.all(users.map((u, c) => conversation(u, `w${c}`, WARMUP_TURNS)));
  // one conversation alone: a turn's own cost, without waiting behind other turns
  if (SOLO_TURNS > 0) solo = await measure(users.slice(0, 1), SOLO_TURNS, 's');
  concurrent = await measure(users, TURNS, 'c');
} finally {
  await server.stop();
  await model.close();
}
if (model.violations.length) throw new Error(`model double: ${model.violations.join('; ')}`);

const byMessage = new Map();
for (const t of model.timings) byMessage.set(`${t.message}#${t.step}`, t);
function report(run, conversations, turnsEach) {
  const rows = run.out.map((t) => {
    const m0 = byMessage.get(`${t.message}#0`);
    const m1 = byMessage.get(`${t.message}#1`);
    const inModel = m0.end - m0.start + (m1.end - m1.start);
    return {
      turn: t.t1 - t.t0,
      server: t.t1 - t.t0 - inModel,
      beforeModel: m0.start - t.t0,
      toolTrip: m1.start - m0.end,
      afterModel: t.t1 - m1.end,
      inModel,
    };
  });
  return {
    conversations,
    turns_per_conversation: turnsEach,
    turns: rows.length,
    turns_per_second: rows.length / run.elapsed,
    server_cpu_ms_per_turn: (run.cpu * 1000) / rows.length,
    // CPU seconds per second: the server's JavaScript runs on one event loop, so near 1 it is saturated
    server_cpu_cores: run.cpu / run.elapsed,
    loadavg: run.load,
    ms: Object.fromEntries(
      ['turn', 'server', 'beforeModel', 'toolTrip', 'afterModel', 'inModel'].map((k) => [k, summary(rows.map((r) => r[k]))]),
    ),
  };
}
const result = {
  when: new Date().toISOString(),
  database: DB,
  ...(solo ? { solo: report(solo, 1, SOLO_TURNS) } : {}),
  concurrent: report(concurrent, CONVERSATIONS, TURNS),
};

for (const r of [result.solo, result.concurrent].filter(Boolean)) {
  console.log(
    `chat: ${r.conversations} concurrent conversation${r.conversations === 1 ? '' : 's'} × ${r.turns_per_conversation} turns (1 tool call each), ${DB}; ` +
      `${fmt(r.turns_per_second)} turns/s, server CPU ${fmt(r.server_cpu_ms_per_turn)} ms/turn = ${fmt(r.server_cpu_cores, 2)} cores busy; ` +
      `load ${fmt(r.loadavg[0], 2)} → ${fmt(r.loadavg[1], 2)}`,
  );
  console.log('                     p50      p90      p99      max   (ms)');
  for (const [name, s] of Object.entries(r.ms)) {
    console.log(
      `  ${name.padEnd(14)} ${fmt(s.p50).padStart(7)}  ${fmt(s.p90).padStart(7)}  ${fmt(s.p99).padStart(7)}  ${fmt(s.max).padStart(7)}`,
    );
  }
}
if (result.solo) {
  const c = result.concurrent;
  console.log(
    `tool trip alone p50 ${fmt(result.solo.ms.toolTrip.p50)} ms; at ${c.conversations} conversations p99 ${fmt(c.ms.toolTrip.p99)} ms with the server at ${fmt(c.server_cpu_cores, 2)} cores` +
      (c.server_cpu_cores >= 0.9 ? ' — saturated: the rest is waiting for the event loop' : ''),
  );
}
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/chat.json', JSON.stringify(result, null, 2));
