/**
 * A user's data out and back in (GET /api/v1/export, POST /api/v1/import): what one
 * account exports, another imports with everything but ids and timestamps kept — a series
 * stays a series, completion keeps its time, a reminder still ahead still fires — and an
 * import is checked whole before anything is written, and written all or nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestApp, type TestApp, type TestUser } from './harness.js';

let t: TestApp;
let source: TestUser;
beforeAll(async () => {
  t = await startTestApp();
  source = await t.signUp('exporter');
});
afterAll(() => t.stop());

type Doc = Record<string, unknown> & { tasks: Array<Record<string, unknown>> };
const exportOf = async (user: TestUser) => {
  const res = await t.as(user, { method: 'GET', url: '/api/v1/export' });
  expect(res.statusCode, res.body).toBe(200);
  return { res, doc: res.json() as Doc };
};
const importInto = (user: TestUser, doc: unknown, qs = '') =>
  t.as(user, { method: 'POST', url: `/api/v1/import${qs}`, payload: doc as object });
const create = async (user: TestUser, payload: object) => {
  const res = await t.as(user, { method: 'POST', url: '/api/v1/tasks', payload });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
};
/** A task as the account sees it, without what an import assigns anew. */
const portable = (task: Record<string, unknown>) => {
  const { id: _i, user_id: _u, created_at: _c, updated_at: _up, version: _v, series_id: _s, ...rest } = task;
  return rest;
};
const taskCount = async (user: TestUser) => (await exportOf(user)).doc.tasks.length;

describe('export, then import into another account', () => {
  let exported: Doc;
  beforeAll(async () => {
    const dueTomorrow = new Date(Date.now() + 86_400_000).toISOString();
    await create(source, { title: 'Plain', description: 'notes\non two lines', priority: 'low', tags: ['home'] });
    await create(source, { title: 'Reminded', due_at: dueTomorrow, time_zone: 'Europe/Berlin', reminders: [{ minutes_before: 30 }] });
    const done = await create(source, { title: 'Done already', priority: 'high' });
    await t.as(source, { method: 'POST', url: `/api/v1/tasks/${done.id}/complete` });
    // a series: completing the first occurrence makes the second (the recurrence consumer)
    const standup = await create(source, {
      title: 'Standup',
      due_at: dueTomorrow,
      recurrence: { rule: 'FREQ=DAILY;COUNT=5', mode: 'due' },
    });
    await t.as(source, { method: 'POST', url: `/api/v1/tasks/${standup.id}/complete` });
    await eventually(async () => (await taskCount(source)) === 5, 10_000);
    await t.as(source, {
      method: 'POST',
      url: '/api/v1/views',
      payload: { name: 'Urgent', query: { priority: 'high,medium', status: 'pending' } },
    });
    await t.as(source, { method: 'PUT', url: '/api/v1/me/preferences', payload: { email_reminders: false, time_zone: 'Asia/Tokyo' } });
    exported = (await exportOf(source)).doc;
  });

  it('the export is one downloadable document with every task, view and preference', async () => {
    const { res } = await exportOf(source);
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="kairos-export-\d{4}-\d{2}-\d{2}\.json"$/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(exported).toMatchObject({
      format: 'kairos-export',
      version: 1,
      preferences: { email_reminders: false, time_zone: 'Asia/Tokyo' },
    });
    expect(exported.tasks.map((x) => x.title)).toEqual(['Plain', 'Reminded', 'Done already', 'Standup', 'Standup']);
    expect(exported.views).toEqual([{ name: 'Urgent', query: { priority: 'high,medium', status: 'pending' } }]);
  });

  it('imports everything but ids and timestamps; a series stays one series, apart from the original', async () => {
    const target = await t.signUp('importer');
    const res = await importInto(target, exported);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toEqual({ tasks: 5, views: 1, views_skipped: [], preferences: true });

    const mine = (await exportOf(target)).doc;
    expect(mine.tasks.map(portable)).toEqual(exported.tasks.map(portable));
    expect(mine.views).toEqual(exported.views);
    expect(mine.preferences).toEqual(exported.preferences);
    const done = mine.tasks.find((x) => x.title === 'Done already')!;
    expect(done.completed_at).toBe(exported.tasks.find((x) => x.title === 'Done already')!.completed_at);
    const series = mine.tasks.filter((x) => x.title === 'Standup').map((x) => x.series_id);
    expect(series[0]).toEqual(expect.any(String));
    expect(series[1]).toBe(series[0]);
    expect(series[0]).not.toBe(exported.tasks.find((x) => x.title === 'Standup')!.series_id);
    expect(mine.tasks.every((x) => x.user_id === target.id)).toBe(true);
    // the source account is as it was
    expect((await exportOf(source)).doc.tasks).toEqual(exported.tasks);
  });

  it('imported tasks have their history, and completing an imported occurrence continues the series', async () => {
    const target = await t.signUp('continuer');
    expect((await importInto(target, exported)).statusCode).toBe(201);
    const open = (await exportOf(target)).doc.tasks.find((x) => x.title === 'Standup' && !x.completed)!;
    const history = await eventually(async () => {
      const items = (await t.as(target, { method: 'GET', url: `/api/v1/tasks/${open.id}/history` })).json().items;
      return items.length > 0 && items;
    });
    expect(history.map((h: { event_type: string }) => h.event_type)).toEqual(['created']);
    await t.as(target, { method: 'POST', url: `/api/v1/tasks/${open.id}/complete` });
    const third = await eventually(
      async () => (await exportOf(target)).doc.tasks.find((x) => x.title === 'Standup' && x.occurrence === 3),
      10_000,
    );
    expect(third.series_id).toBe(open.series_id);
  });

  it('into an account that has tasks only with merge=true, which adds them beside its own', async () => {
    const target = await t.signUp('merger');
    await create(target, { title: 'Mine' });
    const refused = await importInto(target, exported);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().detail).toMatch(/merge=true/);
    expect(await taskCount(target)).toBe(1);

    await t.as(target, { method: 'POST', url: '/api/v1/views', payload: { name: 'Urgent', query: { priority: 'high' } } });
    const merged = await importInto(target, exported, '?merge=true');
    expect(merged.statusCode, merged.body).toBe(201);
    expect(merged.json()).toMatchObject({ tasks: 5, views: 0, views_skipped: ['Urgent'] });
    expect(await taskCount(target)).toBe(6);
  });

  it('two imports sent at once into an empty account: one is refused, the tasks are there once', async () => {
    const target = await t.signUp('twice');
    const [first, second] = await Promise.all([importInto(target, exported), importInto(target, exported)]);
    expect([first.statusCode, second.statusCode].sort()).toEqual([201, 409]);
    expect(await taskCount(target)).toBe(exported.tasks.length);
  });

  it('imported tasks take ids from reserved blocks, not a block of 32 ids each', async () => {
    const target = await t.signUp('dense');
    const tasks = Array.from({ length: 100 }, (_, i) => ({ title: `dense ${i}` }));
    expect((await importInto(target, { format: 'kairos-export', version: 1, tasks })).statusCode).toBe(201);
    const ids = (await exportOf(target)).doc.tasks.map((x) => x.id as number);
    expect(new Set(ids).size).toBe(100);
    expect(Math.max(...ids) - Math.min(...ids)).toBeLessThan(100 + 32); // one block per 32 tasks (the column default: 99 × 32)
  });

  it('a reminder still ahead fires for the account that imported it', async () => {
    const target = await t.signUp('reminded');
    const at = new Date(Date.now() + 1500).toISOString();
    const doc = { format: 'kairos-export', version: 1, tasks: [{ title: 'Imported reminder', reminders: [{ at }] }] };
    expect((await importInto(target, doc)).statusCode).toBe(201);
    const n = await eventually(async () => (await t.as(target, { method: 'GET', url: '/api/v1/notifications' })).json().items[0], 8000);
    expect(n).toMatchObject({ title: 'Imported reminder', remind_at: at });
  });
});

describe('a document that is not right is refused whole, saying where', () => {
  let target: TestUser;
  beforeAll(async () => {
    target = await t.signUp('refused');
  });
  const doc = (tasks: unknown[], extra: object = {}) => ({ format: 'kairos-export', version: 1, tasks, ...extra });

  it('not an export, or a version this server does not read: 400 naming the field', async () => {
    const notExport = await importInto(target, { tasks: [] });
    expect(notExport.statusCode).toBe(400);
    expect(notExport.json().detail).toMatch(/format must be "kairos-export"/);
    const future = await importInto(target, doc([], { version: 2 }));
    expect(future.statusCode).toBe(400);
    expect(future.json().detail).toMatch(/version must be 1/);
  });

  it('a bad field in the 3rd task: 400 at tasks.2, and none of the tasks is added', async () => {
    const res = await importInto(target, doc([{ title: 'a' }, { title: 'b' }, { title: 'c', due_at: 'next tuesday' }]));
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toEqual([expect.objectContaining({ path: 'tasks.2.due_at' })]);
    expect(await taskCount(target)).toBe(0);
  });

  it('rules across fields and across tasks: 422 with every problem, nothing added', async () => {
    const series = '6f1c2b9e-3d4a-4c5b-8e7f-9a0b1c2d3e4f';
    const res = await importInto(
      target,
      doc([
        { title: 'ok' },
        { title: 'relative reminder without a due date', reminders: [{ minutes_before: 10 }] },
        { title: 'first', series_id: series, occurrence: 1 },
        { title: 'first again', series_id: series, occurrence: 1 },
      ]),
    );
    expect(res.statusCode, res.body).toBe(422);
    expect(res.json().errors.map((e: { path: string }) => e.path)).toEqual(['tasks.1.reminders.0', 'tasks.3.occurrence']);
    expect(await taskCount(target)).toBe(0);
  });

  it('a field it does not know: 400 (a typo is not silently dropped)', async () => {
    const res = await importInto(target, doc([{ title: 'x', priorty: 'high' }]));
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0].path).toMatch(/^tasks\.0/);
  });

  it('an invalid saved view query: 400 at its path', async () => {
    const res = await importInto(target, doc([], { views: [{ name: 'v', query: { sort: 'sideways' } }] }));
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toEqual([expect.objectContaining({ path: 'views.0.query.sort' })]);
  });

  it('without credentials: 401, for both', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/export' })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/import', payload: doc([]) })).statusCode).toBe(401);
  });
});
