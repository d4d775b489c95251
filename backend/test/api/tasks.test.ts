import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestApp, type TestApp, type TestUser } from './harness.js';

let t: TestApp;
let u: TestUser;
beforeAll(async () => {
  t = await startTestApp();
  u = await t.signUp('worker');
});
afterAll(() => t.stop());

const post = (url: string, payload?: unknown, headers?: Record<string, string>) =>
  t.as(u, { method: 'POST', url, ...(payload !== undefined ? { payload: payload as object } : {}), ...(headers ? { headers } : {}) });

describe('task lifecycle', () => {
  it('creates from fields with Location and ETag, and reads it back', async () => {
    const res = await post('/api/v1/tasks', {
      title: 'Write report',
      description: 'Q4',
      priority: 'medium',
      tags: ['work'],
      due_at: '2030-03-01T17:00:00+01:00',
      time_zone: 'Europe/Berlin',
      reminders: [{ minutes_before: 30 }],
    });
    expect(res.statusCode).toBe(201);
    const task = res.json();
    expect(res.headers.location).toBe(`/api/v1/tasks/${task.id}`);
    expect(res.headers.etag).toBe('"1"');
    expect(task).toMatchObject({
      title: 'Write report',
      priority: 'medium',
      due_at: '2030-03-01T16:00:00.000Z',
      completed: false,
      version: 1,
      occurrence: 1,
      series_id: null,
    });
    const got = await t.as(u, { method: 'GET', url: `/api/v1/tasks/${task.id}` });
    expect(got.json()).toEqual(task);
  });

  it('creates from a quick-add line, explicit fields overriding the parse', async () => {
    const res = await post('/api/v1/tasks', {
      text: 'Standup every weekday 9:30 #work !low',
      time_zone: 'America/New_York',
      description: 'daily',
    });
    expect(res.statusCode).toBe(201);
    const task = res.json();
    expect(task).toMatchObject({ title: 'Standup', tags: ['work'], priority: 'low', description: 'daily', time_zone: 'America/New_York' });
    expect(task.recurrence).toMatchObject({ rule: 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR', mode: 'due', summary: 'Every weekday' });
    expect(task.series_id).toMatch(/^[0-9a-f-]{36}$/);
    const local = new Date(task.due_at).toLocaleString('en-US', {
      timeZone: 'America/New_York',
      hour: 'numeric',
      minute: '2-digit',
      weekday: 'short',
    });
    expect(local).toMatch(/^(Mon|Tue|Wed|Thu|Fri) 9:30 AM$/);
  });

  it('previews a quick-add line without storing anything', async () => {
    const before = (await t.as(u, { method: 'GET', url: '/api/v1/tasks' })).json().items.length;
    const res = await post('/api/v1/parse', { text: 'Pay rent every month on the 1st at 9am #home !high', time_zone: 'Europe/Berlin' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      title: 'Pay rent',
      tags: ['home'],
      priority: 'high',
      recurrence: { rule: 'FREQ=MONTHLY;BYMONTHDAY=1', summary: 'Every month on the 1st' },
    });
    expect((await t.as(u, { method: 'GET', url: '/api/v1/tasks' })).json().items.length).toBe(before);
  });

  it('patches some fields, bumping the version', async () => {
    const task = (await post('/api/v1/tasks', { title: 'Draft' })).json();
    const res = await t.as(u, { method: 'PATCH', url: `/api/v1/tasks/${task.id}`, payload: { title: 'Final', priority: 'high' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ title: 'Final', priority: 'high', version: 2 });
    expect(res.headers.etag).toBe('"2"');
  });

  it('If-Match with a stale version → 412; body version stale → 409; both current → 200', async () => {
    const task = (await post('/api/v1/tasks', { title: 'Contended' })).json();
    expect(
      (await t.as(u, { method: 'PATCH', url: `/api/v1/tasks/${task.id}`, payload: { title: 'first' }, headers: { 'if-match': '"1"' } }))
        .statusCode,
    ).toBe(200);
    const stale = await t.as(u, {
      method: 'PATCH',
      url: `/api/v1/tasks/${task.id}`,
      payload: { title: 'second' },
      headers: { 'if-match': '"1"' },
    });
    expect(stale.statusCode).toBe(412);
    expect(stale.json()).toMatchObject({ status: 412, current_version: 2 });
    const conflict = await t.as(u, { method: 'PATCH', url: `/api/v1/tasks/${task.id}`, payload: { title: 'second', version: 1 } });
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json()).toMatchObject({ status: 409, current_version: 2 });
    expect((await t.as(u, { method: 'DELETE', url: `/api/v1/tasks/${task.id}`, headers: { 'if-match': '"1"' } })).statusCode).toBe(412);
    expect((await t.as(u, { method: 'GET', url: `/api/v1/tasks/${task.id}` })).json().title).toBe('first');
  });

  it('concurrent writers with the same version: exactly one wins', async () => {
    const task = (await post('/api/v1/tasks', { title: 'Race' })).json();
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        t.as(u, { method: 'PATCH', url: `/api/v1/tasks/${task.id}`, payload: { title: `writer ${i}` }, headers: { 'if-match': '"1"' } }),
      ),
    );
    const codes = results.map((r) => r.statusCode).sort();
    expect(codes.filter((c) => c === 200)).toHaveLength(1);
    expect(codes.filter((c) => c === 412)).toHaveLength(7);
  });

  it('completes and reopens; completing twice is a no-op', async () => {
    const task = (await post('/api/v1/tasks', { title: 'Finish me' })).json();
    const done = (await post(`/api/v1/tasks/${task.id}/complete`)).json();
    expect(done).toMatchObject({ completed: true, version: 2 });
    expect(Date.parse(done.completed_at)).toBeGreaterThan(Date.now() - 10_000);
    expect((await post(`/api/v1/tasks/${task.id}/complete`)).json().version).toBe(2);
    const reopened = (await post(`/api/v1/tasks/${task.id}/reopen`)).json();
    expect(reopened).toMatchObject({ completed: false, completed_at: null, version: 3 });
  });

  it('deletes with 204, then 404', async () => {
    const task = (await post('/api/v1/tasks', { title: 'Temporary' })).json();
    expect((await t.as(u, { method: 'DELETE', url: `/api/v1/tasks/${task.id}` })).statusCode).toBe(204);
    expect((await t.as(u, { method: 'GET', url: `/api/v1/tasks/${task.id}` })).statusCode).toBe(404);
    expect((await t.as(u, { method: 'DELETE', url: `/api/v1/tasks/${task.id}` })).statusCode).toBe(404);
  });

  it('completing a recurring task creates exactly one next occurrence', async () => {
    const task = (
      await post('/api/v1/tasks', {
        title: 'Water plants',
        due_at: '2030-01-10T08:00:00Z',
        time_zone: 'UTC',
        recurrence: { rule: 'FREQ=DAILY', mode: 'due' },
        reminders: [{ minutes_before: 15 }],
      })
    ).json();
    await post(`/api/v1/tasks/${task.id}/complete`);
    const next = await eventually(async () => {
      const items = (await t.as(u, { method: 'GET', url: '/api/v1/tasks?q=water&status=pending' })).json().items;
      return items.length ? items : null;
    });
    expect(next).toHaveLength(1);
    expect(next[0]).toMatchObject({
      title: 'Water plants',
      due_at: '2030-01-11T08:00:00.000Z',
      occurrence: 2,
      series_id: task.series_id,
      reminders: [{ minutes_before: 15 }],
    });
  });

  it('lists tags with total and open counts', async () => {
    const v = await t.signUp('tagger');
    for (const [title, tags] of [
      ['a', ['home', 'errands']],
      ['b', ['home']],
      ['c', ['work']],
    ] as const) {
      await t.as(v, { method: 'POST', url: '/api/v1/tasks', payload: { title, tags: [...tags] } });
    }
    const b = (await t.as(v, { method: 'GET', url: '/api/v1/tasks?q=b' })).json().items[0];
    await t.as(v, { method: 'POST', url: `/api/v1/tasks/${b.id}/complete` });
    const tags = (await t.as(v, { method: 'GET', url: '/api/v1/tags' })).json().items;
    expect(tags).toEqual([
      { tag: 'home', count: 2, open: 1 },
      { tag: 'errands', count: 1, open: 1 },
      { tag: 'work', count: 1, open: 1 },
    ]);
  });
});

describe('compatibility surface', () => {
  it('supports the original list / create / get / put / delete / toggle', async () => {
    const base = `/api/${u.id}/tasks`;
    const created = await post(base, { title: 'Compat', description: 'old client' });
    expect(created.statusCode).toBe(201);
    const id = created.json().id;
    const list = await t.as(u, { method: 'GET', url: base });
    expect(Array.isArray(list.json())).toBe(true);
    expect(list.json().some((x: { id: number }) => x.id === id)).toBe(true);
    expect((await t.as(u, { method: 'PUT', url: `${base}/${id}`, payload: { title: 'Compat 2' } })).json().title).toBe('Compat 2');
    expect((await t.as(u, { method: 'PATCH', url: `${base}/${id}/complete` })).json().completed).toBe(true);
    expect((await t.as(u, { method: 'PATCH', url: `${base}/${id}/complete` })).json().completed).toBe(false);
    expect((await t.as(u, { method: 'DELETE', url: `${base}/${id}` })).statusCode).toBe(204);
    expect((await t.as(u, { method: 'GET', url: `${base}/${id}` })).statusCode).toBe(404);
  });
});

describe('service endpoints', () => {
  it('serves health, readiness, metrics and the OpenAPI 3.1 document', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await t.app.inject({ method: 'GET', url: '/readyz' })).json()).toMatchObject({ status: 'ready', checks: { database: 'ok' } });
    const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/http_server_request_duration_seconds_bucket\{[^}]*route="\/api\/v1\/tasks\/:id"/);
    const doc = (await t.app.inject({ method: 'GET', url: '/docs/json' })).json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/v1/tasks', '/api/v1/tasks/{id}', '/api/{user_id}/tasks', '/api/v1/tags']),
    );
    expect(doc.paths['/api/v1/tasks'].post.requestBody.content['application/json'].schema.properties.title.maxLength).toBe(200);
  });
});
