import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTaskRepository } from '../../src/adapters/postgres/task-repository.js';
import { startTestApp, type TestApp, type TestUser } from './harness.js';

let t: TestApp;
let u: TestUser;
const titles = (res: { json(): { items: { title: string }[] } }) => res.json().items.map((x) => x.title);
const list = (qs: string) => t.as(u, { method: 'GET', url: `/api/v1/tasks?${qs}` });

const NOW = Date.now();
const inDays = (d: number) => new Date(NOW + d * 86_400_000).toISOString();

beforeAll(async () => {
  t = await startTestApp();
  u = await t.signUp('lister');
  const seed = [
    { title: 'Buy groceries', description: 'milk, eggs, bread', priority: 'high', tags: ['home', 'errands'], due_at: inDays(-2) },
    { title: 'Grout the bathroom', priority: 'low', tags: ['home'], due_at: inDays(3), reminders: [{ minutes_before: 60 }] },
    { title: 'Quarterly report', description: 'groceries budget section', priority: 'medium', tags: ['work'], due_at: inDays(1) },
    { title: 'Call mom', priority: 'none', tags: [], due_at: null },
    { title: 'Standup', priority: 'medium', tags: ['work'], due_at: inDays(-1), recurrence: { rule: 'FREQ=DAILY', mode: 'due' } },
    { title: 'Archive old mail', priority: 'low', tags: ['work', 'errands'], due_at: inDays(10) },
  ];
  for (const s of seed) {
    const res = await t.as(u, { method: 'POST', url: '/api/v1/tasks', payload: s });
    if (res.statusCode !== 201) throw new Error(res.body);
  }
  const archive = (await list('q=archive')).json().items[0];
  await t.as(u, { method: 'POST', url: `/api/v1/tasks/${archive.id}/complete` });
});
afterAll(() => t.stop());

describe('search', () => {
  it('matches word prefixes: "gro" finds groceries and grout', async () => {
    expect(
      (await list('q=gro'))
        .json()
        .items.map((x: { title: string }) => x.title)
        .sort(),
    ).toEqual(['Buy groceries', 'Grout the bathroom', 'Quarterly report']);
  });
  it('ranks title matches above description matches', async () => {
    expect(titles(await list('q=groceries'))).toEqual(['Buy groceries', 'Quarterly report']);
  });
  it('requires every word', async () => {
    expect(titles(await list('q=buy%20gro'))).toEqual(['Buy groceries']);
    expect(titles(await list('q=buy%20nothing'))).toEqual([]);
  });
  it('ignores punctuation-only queries and never errors on operators', async () => {
    for (const q of ['%26%7C!', "'", '()', 'a:*', '\\']) expect((await list(`q=${q}`)).statusCode, q).toBe(200);
  });
});

describe('filters', () => {
  it.each([
    ['status=pending', 5],
    ['status=completed', 1],
    ['priority=high,medium', 3],
    ['tags=work', 3],
    ['tags=home,errands&tag_mode=any', 3],
    ['tags=home,errands&tag_mode=all', 1],
    ['overdue=true', 2],
    ['no_due=true', 1],
    ['has_reminder=true', 1],
    ['recurring=true', 1],
    ['recurring=false&status=pending', 4],
    [`due_from=${encodeURIComponent(inDays(0))}&due_to=${encodeURIComponent(inDays(5))}`, 2],
    ['tags=work&status=pending&priority=medium&q=rep', 1],
  ])('%s → %i tasks', async (qs, n) => {
    const res = await list(qs);
    expect(res.statusCode).toBe(200);
    expect(res.json().items).toHaveLength(n);
  });
});

describe('sorting', () => {
  it('by due ascending puts undated tasks last', async () => {
    expect(titles(await list('status=all&sort=due'))).toEqual([
      'Buy groceries',
      'Standup',
      'Quarterly report',
      'Grout the bathroom',
      'Archive old mail',
      'Call mom',
    ]);
  });
  it('by due descending still puts undated tasks last', async () => {
    expect(titles(await list('sort=due&order=desc')).at(-1)).toBe('Call mom');
    expect(titles(await list('sort=due&order=desc'))[0]).toBe('Archive old mail');
  });
  it('by priority (high first), ties by due date', async () => {
    expect(titles(await list('sort=priority'))).toEqual([
      'Buy groceries',
      'Standup',
      'Quarterly report',
      'Grout the bathroom',
      'Archive old mail',
      'Call mom',
    ]);
  });
  it('by title, case-insensitively', async () => {
    expect(titles(await list('sort=title'))).toEqual([
      'Archive old mail',
      'Buy groceries',
      'Call mom',
      'Grout the bathroom',
      'Quarterly report',
      'Standup',
    ]);
  });
  it('by created and updated', async () => {
    expect(titles(await list('sort=created&order=asc'))[0]).toBe('Buy groceries');
    expect(titles(await list('sort=updated'))[0]).toBe('Archive old mail');
  });
});

describe('keyset pagination', () => {
  async function pageThrough(qs: string, limit: number, between?: (page: number) => Promise<void>) {
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await list(`${qs}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.statusCode).toBe(200);
      seen.push(...res.json().items.map((x: { id: number }) => x.id));
      cursor = res.json().next_cursor;
      await between?.(++pages);
    } while (cursor);
    return seen;
  }

  it.each(['sort=due', 'sort=due&order=desc', 'sort=priority', 'sort=title&order=desc', 'sort=created', 'sort=updated&order=asc', 'q=gro'])(
    '%s: pages of 2 equal one big page',
    async (qs) => {
      const all = (await list(`${qs}&limit=200`)).json().items.map((x: { id: number }) => x.id);
      expect(await pageThrough(qs, 2)).toEqual(all);
    },
  );

  it('stays stable while tasks are added and removed between pages (no duplicates, none skipped)', async () => {
    const v = await t.signUp('pager');
    const ids: number[] = [];
    for (let i = 0; i < 30; i++) {
      ids.push(
        (
          await t.as(v, {
            method: 'POST',
            url: '/api/v1/tasks',
            payload: { title: `task ${String(i).padStart(2, '0')}`, due_at: inDays(i) },
          })
        ).json().id,
      );
    }
    const seen: number[] = [];
    let cursor: string | null = null;
    let page = 0;
    do {
      const res = await t.as(v, { method: 'GET', url: `/api/v1/tasks?sort=due&limit=7${cursor ? `&cursor=${cursor}` : ''}` });
      seen.push(...res.json().items.map((x: { id: number }) => x.id));
      cursor = res.json().next_cursor;
      page++;
      // a task due before everything (already passed) and one after the cursor appear meanwhile
      await t.as(v, { method: 'POST', url: '/api/v1/tasks', payload: { title: `early ${page}`, due_at: inDays(-100) } });
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.slice(0, 30)).toEqual(ids);
  });
});

describe("the repository's page", () => {
  it('carries its rows as JSON text and parses them only when read, with the getter on the prototype', async () => {
    const query = { status: 'all', tagMode: 'any', sort: 'due', order: 'asc', limit: 2, now: new Date() } as const;
    const page = await createTaskRepository(t.core.database.db).list(u.id, query);
    expect(JSON.parse(page.itemsJson!)).toHaveLength(2);
    expect(page.items.map((x) => x.title)).toEqual(JSON.parse(page.itemsJson!).map((x: { title: string }) => x.title));
    expect(page.next_cursor).toEqual(expect.any(String));
    // A getter defined in an object literal is a new closure per page, and pages built that
    // way outlived V8's young-generation collections (every page promoted: docs/performance.md).
    expect(Object.getOwnPropertyDescriptor(page, 'items')).toBeUndefined();
  });
});

describe('as_of', () => {
  it('says when the page was read: every listed task was created before it, a later one after it', async () => {
    const before = Date.now();
    const res = await list('sort=created&order=desc');
    const asOf = Date.parse(res.json().as_of);
    expect(asOf).toBeGreaterThanOrEqual(before - 1);
    expect(asOf).toBeLessThanOrEqual(Date.now() + 1);
    for (const task of res.json().items as { created_at: string }[]) expect(Date.parse(task.created_at)).toBeLessThanOrEqual(asOf);
    const later = await t.as(u, { method: 'POST', url: '/api/v1/tasks', payload: { title: 'Added after the read' } });
    expect(Date.parse(later.json().created_at)).toBeGreaterThanOrEqual(asOf);
    await t.as(u, { method: 'DELETE', url: `/api/v1/tasks/${later.json().id}` });
  });
});
