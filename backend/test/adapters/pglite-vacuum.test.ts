// The embedded database's periodic vacuum: deleted rows' space is given back and the
// planner gets statistics, on a timer that stops with the database.
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startPgliteVacuum, type VacuumReport } from '../../src/adapters/postgres/pglite-vacuum.js';

let pg: PGlite;
beforeAll(async () => {
  pg = new PGlite();
  await pg.waitReady;
});
afterAll(() => pg.close());

const until = async (check: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

it('gives back the space of deleted rows and analyzes, again every interval, until stopped', async () => {
  await pg.exec(`create table sent (seq bigserial primary key, payload text);
    insert into sent (payload) select repeat('x', 300) from generate_series(1, 5000);
    delete from sent;`);
  const size = async () => (await pg.query<{ n: number }>(`select pg_relation_size('sent')::int as n`)).rows[0]!.n;
  expect(await size()).toBeGreaterThan(1_000_000); // deleted, not given back: nothing vacuums PGlite
  const runs: VacuumReport[] = [];
  const stop = startPgliteVacuum(pg, { firstAfterMs: 10, everyMs: 50, onRun: (r) => runs.push(r) });
  await until(() => runs.length >= 2);
  expect(runs.every((r) => r.error === undefined)).toBe(true);
  expect(await size()).toBe(0);
  const [stats] = (
    await pg.query<{ analyzed: boolean }>(`select last_analyze is not null as analyzed from pg_stat_user_tables where relname = 'sent'`)
  ).rows;
  expect(stats).toEqual({ analyzed: true });
  await stop();
  const after = runs.length;
  await new Promise((r) => setTimeout(r, 150));
  expect(runs.length).toBe(after);
});

it('vacuums table by table, letting the event loop run between them', async () => {
  await pg.exec(`create table a1 (x int); create table a2 (x int); create table a3 (x int);`);
  const tables = (await pg.query<{ n: number }>(`select count(*)::int as n from pg_tables where schemaname = 'public'`)).rows[0]!.n;
  expect(tables).toBeGreaterThanOrEqual(4);
  // a callback that queues itself again on every turn of the event loop, like requests arriving
  let turns = 0;
  let ticking = true;
  const tick = () => {
    turns++;
    if (ticking) setImmediate(tick);
  };
  const runs: VacuumReport[] = [];
  const stop = startPgliteVacuum(pg, { firstAfterMs: 0, everyMs: 60_000, onRun: (r) => runs.push(r) });
  await new Promise((r) => setTimeout(r, 0)); // the first run has started
  turns = 0;
  setImmediate(tick);
  await until(() => runs.length >= 1);
  ticking = false;
  await stop();
  expect(runs[0]!.error).toBeUndefined();
  // one vacuum of the whole database would have let it run about once
  expect(turns).toBeGreaterThanOrEqual(tables);
});

it('reports a failed vacuum and tries again at the next interval', async () => {
  let calls = 0;
  const failing = { exec: async () => Promise.reject(new Error(`vacuum ${++calls} failed`)) };
  const runs: VacuumReport[] = [];
  const stop = startPgliteVacuum(failing as unknown as PGlite, { firstAfterMs: 5, everyMs: 5, onRun: (r) => runs.push(r) });
  await until(() => runs.length >= 2);
  await stop();
  expect(runs.slice(0, 2).map((r) => (r.error as Error).message)).toEqual(['vacuum 1 failed', 'vacuum 2 failed']);
});
