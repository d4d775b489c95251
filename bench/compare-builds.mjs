#!/usr/bin/env node
// Two builds of the server, measured in alternation on the same database: is B faster than
// A? On this kind of machine the same build's list throughput drifts by 10–30 % between
// runs minutes apart (the host's state, not the code), which is larger than most single
// changes, so "run the bench before, change, run it after" cannot tell them apart. Here
// both builds run at once, seeded alike, and short closed-loop slices alternate A B B A …;
// the machine's drift hits both. Halfway the two servers are restarted in the other order,
// because the one started second came out a few percent ahead even against itself.
//
//   cp -r backend/dist backend/dist-a    # build A (e.g. main; inside backend/, so it finds
//   npm run build -w backend             # its packages), then change and build B
//   DATABASE_URL=postgres://… node bench/compare-builds.mjs backend/dist-a/main.js backend/dist/main.js
//
//   COMPARE_ROUNDS=12       rounds per half (each round is one slice of each build)
//   COMPARE_SLICE=3         seconds per slice
//   COMPARE_PATH=/api/v1/…  the request (default: the API bench's filtered list)
//
// Prints each round's B/A, then per build: req/s, the server's CPU ms per request, and the
// median B/A with its middle half — a difference inside that middle half is not one. A run
// of A against itself shows the noise floor.
import autocannon from 'autocannon';
import { analyze, benchDatabaseUrl, cpuSeconds, fmt, middleHalf, seed, signUp, startServer } from './lib.mjs';

const [entryA, entryB] = process.argv.slice(2);
if (!entryA || !entryB || !process.env.DATABASE_URL) {
  console.error('usage: DATABASE_URL=postgres://… node bench/compare-builds.mjs <A main.js> <B main.js>');
  process.exit(2);
}
const ROUNDS = Number(process.env.COMPARE_ROUNDS ?? 12);
const SLICE = Number(process.env.COMPARE_SLICE ?? 3);
const PATH = process.env.COMPARE_PATH ?? '/api/v1/tasks?status=pending&priority=high,medium&sort=due&limit=50';
const SEED = 1000;

function slice(url, token) {
  return new Promise((resolve, reject) =>
    autocannon(
      { url, duration: SLICE, connections: 16, requests: [{ method: 'GET', path: PATH, headers: { authorization: `Bearer ${token}` } }] },
      (err, res) => (err ? reject(err) : resolve(res)),
    ),
  );
}

const databaseUrl = await benchDatabaseUrl(process.env.DATABASE_URL);
const totals = { A: { requests: 0, cpu: 0, seconds: 0 }, B: { requests: 0, cpu: 0, seconds: 0 } };
const ratios = [];
let token;
for (const order of [
  ['A', 'B'],
  ['B', 'A'],
]) {
  const servers = {};
  for (const name of order) servers[name] = await startServer({ databaseUrl, entry: name === 'A' ? entryA : entryB });
  try {
    if (!token) {
      const user = await signUp(servers.A.url);
      token = user.token;
      await seed(servers.A.url, token, SEED);
      await analyze(databaseUrl); // the plan the list keeps
      await new Promise((r) => setTimeout(r, 6000)); // the seed's events delivered
    }
    console.log(`started ${order.join(' then ')}; one unmeasured slice each to warm up`);
    for (const name of order) await slice(servers[name].url, token);
    for (let round = 0; round < ROUNDS; round++) {
      const perSecond = {};
      for (const name of round % 2 ? ['B', 'A'] : ['A', 'B']) {
        const cpu0 = cpuSeconds(servers[name].pid);
        const res = await slice(servers[name].url, token);
        const errors = res.errors + res.timeouts + res.non2xx;
        if (errors) throw new Error(`${name}: ${errors} errors in a slice`);
        totals[name].cpu += cpuSeconds(servers[name].pid) - cpu0;
        totals[name].requests += res.requests.total;
        totals[name].seconds += SLICE;
        perSecond[name] = res.requests.average;
      }
      ratios.push(perSecond.B / perSecond.A);
      console.log(`  round ${ratios.length}: A ${fmt(perSecond.A, 0)} req/s, B ${fmt(perSecond.B, 0)} req/s, B/A ${fmt(ratios.at(-1), 3)}`);
    }
  } finally {
    for (const server of Object.values(servers)) await server.stop();
  }
}
const { median, q1, q3 } = middleHalf(ratios);
for (const name of ['A', 'B']) {
  const t = totals[name];
  console.log(`${name}: ${fmt(t.requests / t.seconds, 0)} req/s, server CPU ${fmt((t.cpu * 1000) / t.requests, 3)} ms/req`);
}
console.log(`B/A: median ${fmt(median, 3)}, middle half ${fmt(q1, 3)}–${fmt(q3, 3)} (${ratios.length} rounds)`);
