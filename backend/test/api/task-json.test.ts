// The task JSON PostgreSQL renders (adapters/postgres/task-json.ts) must be exactly what
// JSON.stringify would make of the task: same keys in the same order, same escaping
// semantics, ISO timestamps with milliseconds — on every read path.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp, type TestUser } from './harness.js';

let t: TestApp;
let u: TestUser;
beforeAll(async () => {
  t = await startTestApp();
  u = await t.signUp('json');
});
afterAll(() => t.stop());

const KEYS = [
  'id',
  'user_id',
  'title',
  'description',
  'completed',
  'completed_at',
  'priority',
  'tags',
  'due_at',
  'time_zone',
  'reminders',
  'recurrence',
  'series_id',
  'occurrence',
  'created_at',
  'updated_at',
  'version',
];
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('task JSON rendered by the database', () => {
  it('is identical through create, get, list and complete, with the API key order and ISO timestamps', async () => {
    const title = 'Quotes " back\\slash ünïcödé 😀 </script>';
    const created = await t.as(u, {
      method: 'POST',
      url: '/api/v1/tasks',
      payload: {
        title,
        description: 'line 1\nline 2\ttab',
        priority: 'high',
        tags: ['a-b', 'ü'],
        due_at: '2030-03-01T17:00:00.123456+01:00',
        time_zone: 'Europe/Berlin',
        reminders: [{ minutes_before: 30 }, { at: '2030-03-01T15:00:00.000Z' }],
        recurrence: { rule: 'FREQ=WEEKLY;INTERVAL=2;BYDAY=MO', mode: 'completion' },
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const task = created.json();
    expect(Object.keys(task)).toEqual(KEYS);
    expect(task).toMatchObject({ title, priority: 'high', tags: ['a-b', 'ü'], due_at: '2030-03-01T16:00:00.123Z', completed_at: null });
    expect(task.recurrence).toEqual({ rule: 'FREQ=WEEKLY;INTERVAL=2;BYDAY=MO', mode: 'completion', summary: expect.any(String) });
    expect(task.created_at).toMatch(ISO_MS);
    expect(task.updated_at).toMatch(ISO_MS);

    const got = await t.as(u, { method: 'GET', url: `/api/v1/tasks/${task.id}` });
    expect(got.json()).toEqual(task);
    const listed = await t.as(u, { method: 'GET', url: '/api/v1/tasks?priority=high' });
    expect(listed.headers['content-type']).toMatch(/^application\/json/);
    const item = listed.json().items.find((i: { id: number }) => i.id === task.id);
    expect(Object.keys(item)).toEqual(KEYS);
    expect(item).toEqual(task);

    const done = (await t.as(u, { method: 'POST', url: `/api/v1/tasks/${task.id}/complete`, payload: {} })).json();
    expect(done.completed).toBe(true);
    expect(done.completed_at).toMatch(ISO_MS);
    expect(Object.keys(done)).toEqual(KEYS);
    expect((await t.as(u, { method: 'GET', url: `/api/v1/tasks/${task.id}` })).json()).toEqual(done);
  });

  it('renders a plain task with nulls and empty collections', async () => {
    const task = (await t.as(u, { method: 'POST', url: '/api/v1/tasks', payload: { title: 'plain' } })).json();
    expect(task).toMatchObject({
      completed_at: null,
      due_at: null,
      recurrence: null,
      series_id: null,
      tags: [],
      reminders: [],
      priority: 'none',
    });
    const listed = (await t.as(u, { method: 'GET', url: '/api/v1/tasks?no_due=true' })).json();
    expect(listed.items.find((i: { id: number }) => i.id === task.id)).toEqual(task);
  });
});
