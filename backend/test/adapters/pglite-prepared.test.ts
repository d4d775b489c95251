// PGlite with named statements answers exactly as PGlite's own query() does — rows,
// types, row modes, counts, errors — while parsing each statement once.
import { PGlite } from '@electric-sql/pglite';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PreparedPGlite } from '../../src/adapters/postgres/pglite-prepared.js';

let prepared: PreparedPGlite;
let plain: PGlite;
const schema = `create table items (id bigint primary key, title text not null, tags text[], data jsonb, at timestamptz, done boolean)`;

beforeAll(async () => {
  prepared = await PreparedPGlite.open();
  plain = new PGlite();
  await plain.waitReady;
  await Promise.all([prepared.exec(schema), plain.exec(schema)]);
});
afterAll(() => Promise.all([prepared.close(), plain.close()]));

const both = async (text: string, params?: unknown[], options?: Parameters<PGlite['query']>[2]) => {
  const [a, b] = await Promise.all([prepared.query(text, params, options), plain.query(text, params, options)]);
  return { a, b };
};
const namedCount = async (text: string) =>
  (await prepared.query<{ n: number }>('select count(*)::int as n from pg_prepared_statements where statement = $1', [text])).rows[0]!.n;

describe('PreparedPGlite', () => {
  it('inserts, counts and returns rows of every type the way PGlite does', async () => {
    const insert = 'insert into items (id, title, tags, data, at, done) values ($1, $2, $3, $4, $5, $6)';
    for (const [i, params] of [
      [1, 'one', ['a', 'b'], { x: 1, y: [true, null] }, new Date('2030-01-02T03:04:05.678Z'), true],
      [2, 'two', [], null, null, false],
      [3, "it's three", null, [1, 'two'], '2031-05-05T10:00:00Z', null],
    ].entries()) {
      const { a, b } = await both(insert, params as unknown[]);
      expect(a, `insert ${i}`).toEqual(b);
      expect(a.affectedRows).toBe(1);
    }
    const select = 'select * from items where id >= $1 order by id';
    const objects = await both(select, [1]);
    expect(objects.a).toEqual(objects.b);
    expect(objects.a.rows).toHaveLength(3);
    expect(objects.a.rows[0]).toMatchObject({ tags: ['a', 'b'], data: { x: 1, y: [true, null] }, done: true });
    const arrays = await both(select, [2], { rowMode: 'array' });
    expect(arrays.a).toEqual(arrays.b);
    const parsed = await both(select, [1], { rowMode: 'array', parsers: { 1184: (v: string) => `at ${v}` } });
    expect(parsed.a).toEqual(parsed.b);
    const update = await both('update items set done = not coalesce(done, false) where id <= $1', [2]);
    expect(update.a).toEqual(update.b);
    expect(update.a.affectedRows).toBe(2);
    expect(await both('select 1 as one')).toMatchObject({ a: { rows: [{ one: 1 }] } });
  });

  it('parses a statement once and runs it by name afterwards', async () => {
    const text = 'select title from items where id = $1';
    expect(await namedCount(text)).toBe(0);
    for (const id of [1, 2, 3]) await prepared.query(text, [id]);
    expect(await namedCount(text)).toBe(1);
    expect((await prepared.query<{ title: string }>(text, [3])).rows).toEqual([{ title: "it's three" }]);
    // …and planned for its parameters every time: without statistics a generic plan can be far worse
    expect((await prepared.query<{ plan_cache_mode: string }>('show plan_cache_mode')).rows).toEqual([
      { plan_cache_mode: 'force_custom_plan' },
    ]);
  });

  it('fails with PostgreSQL’s error, and the statement still runs afterwards', async () => {
    const insert = 'insert into items (id, title) values ($1, $2)';
    await expect(prepared.query(insert, [1, 'again'])).rejects.toMatchObject({ code: '23505' });
    await expect(prepared.query(insert, [4, null])).rejects.toMatchObject({ code: '23502' });
    await expect(prepared.query('selec 1')).rejects.toMatchObject({ code: '42601' });
    await expect(prepared.query(insert, [4, 'four'])).resolves.toMatchObject({ affectedRows: 1 });
  });

  it('parses a statement again when a migration changed what it returns', async () => {
    const text = 'select * from items where id = $1';
    const before = await prepared.query<Record<string, unknown>>(text, [4]);
    expect(before.rows[0]).not.toHaveProperty('note');
    await prepared.exec(`alter table items add column note text default 'n'`);
    const after = await prepared.query<Record<string, unknown>>(text, [4]);
    expect(after.rows[0]).toMatchObject({ id: 4, note: 'n' });
    expect(await namedCount(text)).toBe(1);
  });

  it('runs alongside transactions, which keep PGlite’s own path', async () => {
    const inTx = prepared.transaction(async (tx) => {
      await tx.query('insert into items (id, title) values ($1, $2)', [10, 'in tx']);
      await new Promise((r) => setTimeout(r, 20));
      return tx.query<{ n: number }>('select count(*)::int as n from items where id = $1', [10]);
    });
    // waits for the transaction (one connection), then sees its commit
    const outside = prepared.query<{ n: number }>('select count(*)::int as n from items where id = $1', [10]);
    expect((await inTx).rows[0]!.n).toBe(1);
    expect((await outside).rows[0]!.n).toBe(1);
    await expect(
      prepared.transaction(async (tx) => {
        await tx.query('insert into items (id, title) values ($1, $2)', [11, 'rolled back']);
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect((await prepared.query('select id from items where id = $1', [11])).rows).toEqual([]);
  });

  it('caches generic plans once the tables are analyzed, and from the start on a database analyzed before', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'kairos-pglite-plans-'));
    const mode = async (db: PreparedPGlite) =>
      (await db.query<{ plan_cache_mode: string }>('show plan_cache_mode')).rows[0]!.plan_cache_mode;
    const text = 'select title from things where id = $1';
    const plans = async (db: PreparedPGlite) =>
      (
        await db.query<{ generic_plans: number; custom_plans: number }>(
          'select generic_plans::int, custom_plans::int from pg_prepared_statements where statement = $1',
          [text],
        )
      ).rows[0]!;
    try {
      const fresh = await PreparedPGlite.open(dataDir);
      await fresh.exec(
        `create table things (id int primary key, title text); insert into things select i, 't' || i from generate_series(1, 1000) i`,
      );
      expect(await mode(fresh)).toBe('force_custom_plan');
      for (let i = 1; i <= 8; i++) await fresh.query(text, [i]);
      expect(await plans(fresh)).toEqual({ generic_plans: 0, custom_plans: 8 });
      await fresh.exec('analyze');
      await fresh.statisticsGathered();
      expect(await mode(fresh)).toBe('auto');
      for (let i = 1; i <= 8; i++) await fresh.query(text, [i]);
      expect((await plans(fresh)).generic_plans).toBeGreaterThan(0);
      await fresh.close();

      const reopened = await PreparedPGlite.open(dataDir);
      try {
        expect(await mode(reopened)).toBe('auto');
      } finally {
        await reopened.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
