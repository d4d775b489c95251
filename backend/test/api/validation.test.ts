import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp, type TestUser } from './harness.js';

let t: TestApp;
let u: TestUser;
beforeAll(async () => {
  t = await startTestApp({ KAIROS_BODY_LIMIT: '4096' });
  u = await t.signUp('validator');
});
afterAll(() => t.stop());

const create = (payload: unknown, headers: Record<string, string> = {}) =>
  t.as(u, {
    method: 'POST',
    url: '/api/v1/tasks',
    payload: payload as string,
    headers: { 'content-type': 'application/json', ...headers },
  });

describe('every bad input is a 4xx problem with field-level messages, never a 500', () => {
  it.each([
    ['missing title', {}, 'title'],
    ['blank title', { title: '   ' }, 'title'],
    ['title too long', { title: 'x'.repeat(201) }, 'title'],
    ['title of wrong type', { title: 42 }, 'title'],
    ['unknown field', { title: 'a', colour: 'red' }, 'colour'],
    ['bad priority', { title: 'a', priority: 'urgent' }, 'priority'],
    ['tags not an array', { title: 'a', tags: 'work' }, 'tags'],
    ['bad time zone', { title: 'a', due_at: '2030-01-01T00:00:00Z', time_zone: 'Mars/Olympus' }, 'time_zone'],
    ['bad due date', { title: 'a', due_at: 'next tuesday' }, 'due_at'],
    [
      'bad recurrence rule',
      { title: 'a', due_at: '2030-01-01T00:00:00Z', recurrence: { rule: 'FREQ=SOMETIMES', mode: 'due' } },
      'recurrence.rule',
    ],
    [
      'negative reminder',
      { title: 'a', due_at: '2030-01-01T00:00:00Z', reminders: [{ minutes_before: -5 }] },
      'reminders.0.minutes_before',
    ],
  ])('%s → 400 naming %s', async (_name, body, path) => {
    const res = await create(body);
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
    const problem = res.json();
    expect(problem.status).toBe(400);
    expect(problem.errors.map((e: { path: string }) => e.path)).toContain(path);
  });

  it('cross-field rules → 422 with the field named', async () => {
    const res = await create({ title: 'a', reminders: [{ minutes_before: 10 }] });
    expect(res.statusCode).toBe(422);
    expect(res.json().errors[0].path).toMatch(/^reminders/);
    const rec = await create({ title: 'a', recurrence: { rule: 'FREQ=DAILY', mode: 'due' } });
    expect(rec.statusCode).toBe(422);
    expect(rec.json().errors[0].path).toBe('recurrence');
  });

  it('malformed JSON → 400, empty JSON body → 400', async () => {
    expect((await create('{"title": ')).statusCode).toBe(400);
    expect((await create('')).statusCode).toBe(400);
  });

  it('wrong media type → 415', async () => {
    const res = await t.as(u, {
      method: 'POST',
      url: '/api/v1/tasks',
      payload: 'title=a',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.statusCode).toBe(415);
  });

  it('oversize body → 413', async () => {
    const res = await create({ title: 'a', description: 'x'.repeat(5000) });
    expect(res.statusCode).toBe(413);
    expect(res.json().title).toBe('Payload too large');
  });

  it('bad path and query parameters → 400', async () => {
    for (const url of [
      '/api/v1/tasks/abc',
      '/api/v1/tasks/-1',
      '/api/v1/tasks/99999999999',
      '/api/v1/tasks?limit=0',
      '/api/v1/tasks?limit=1000',
      '/api/v1/tasks?sort=colour',
      '/api/v1/tasks?status=maybe',
      '/api/v1/tasks?priority=urgent',
      '/api/v1/tasks?overdue=yes',
      '/api/v1/tasks?due_from=tomorrow',
      '/api/v1/tasks?cursor=garbage',
      '/api/v1/tasks?unknown=1',
    ]) {
      const res = await t.as(u, { method: 'GET', url });
      expect(res.statusCode, url).toBe(400);
      expect(res.json().errors?.length ?? 0, url).toBeGreaterThan(0);
    }
  });

  it('a cursor from a different sort is rejected clearly', async () => {
    for (let i = 0; i < 3; i++) await create({ title: `t${i}` });
    const page = (await t.as(u, { method: 'GET', url: '/api/v1/tasks?limit=1&sort=title' })).json();
    const res = await t.as(u, { method: 'GET', url: `/api/v1/tasks?limit=1&sort=created&cursor=${page.next_cursor}` });
    expect(res.statusCode).toBe(400);
    expect(res.json().detail).toMatch(/different sort/);
  });

  it('unknown routes → 404 problem', async () => {
    const res = await t.as(u, { method: 'GET', url: '/api/v1/nothing-here' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
  });

  it('normalises input: trims the title, lower-cases and de-duplicates tags', async () => {
    const res = await create({ title: '  Buy milk  ', tags: ['#Home', 'home', ' Errands '] });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ title: 'Buy milk', tags: ['home', 'errands'] });
  });
});
