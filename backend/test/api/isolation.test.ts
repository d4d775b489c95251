import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp, type TestUser } from './harness.js';

let t: TestApp;
let a: TestUser;
let b: TestUser;
let taskId: number;

beforeAll(async () => {
  t = await startTestApp();
  [a, b] = [await t.signUp('alice'), await t.signUp('bob')];
  taskId = (
    await t.as(a, {
      method: 'POST',
      url: '/api/v1/tasks',
      payload: { title: 'secret plan', due_at: '2030-01-01T10:00:00Z', reminders: [{ minutes_before: 5 }] },
    })
  ).json().id;
});
afterAll(() => t.stop());

describe("another user's task is invisible (404), never forbidden", () => {
  const routes = (id: number) =>
    [
      ['GET', `/api/v1/tasks/${id}`, undefined],
      ['PATCH', `/api/v1/tasks/${id}`, { title: 'hijacked' }],
      ['DELETE', `/api/v1/tasks/${id}`, undefined],
      ['POST', `/api/v1/tasks/${id}/complete`, undefined],
      ['POST', `/api/v1/tasks/${id}/reopen`, undefined],
      ['GET', `/api/v1/tasks/${id}/history`, undefined],
    ] as const;

  it.each(routes(0).map((r, i) => [r[0], r[1].replace('/0', '/:id'), i]))('%s %s → 404', async (_m, _u, i) => {
    const [method, url, payload] = routes(taskId)[i as number]!;
    const res = await t.as(b, { method, url, ...(payload ? { payload } : {}) });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ status: 404, title: 'Not found' });
  });

  it("compat surface: B using B's own path gets 404 for A's task on every route", async () => {
    for (const [method, url, payload] of [
      ['GET', `/api/${b.id}/tasks/${taskId}`, undefined],
      ['PUT', `/api/${b.id}/tasks/${taskId}`, { title: 'x' }],
      ['DELETE', `/api/${b.id}/tasks/${taskId}`, undefined],
      ['PATCH', `/api/${b.id}/tasks/${taskId}/complete`, undefined],
    ] as const) {
      const res = await t.as(b, { method, url, ...(payload ? { payload } : {}) });
      expect(res.statusCode, `${method} ${url}`).toBe(404);
    }
  });

  it("compat surface: B using A's user id in the path gets 403 on every route", async () => {
    for (const [method, url, payload] of [
      ['GET', `/api/${a.id}/tasks`, undefined],
      ['POST', `/api/${a.id}/tasks`, { title: 'x' }],
      ['GET', `/api/${a.id}/tasks/${taskId}`, undefined],
      ['PUT', `/api/${a.id}/tasks/${taskId}`, { title: 'x' }],
      ['DELETE', `/api/${a.id}/tasks/${taskId}`, undefined],
      ['PATCH', `/api/${a.id}/tasks/${taskId}/complete`, undefined],
    ] as const) {
      const res = await t.as(b, { method, url, ...(payload ? { payload } : {}) });
      expect(res.statusCode, `${method} ${url}`).toBe(403);
    }
  });

  it("lists, tags, search and history never include another user's data", async () => {
    await t.as(b, { method: 'POST', url: '/api/v1/tasks', payload: { title: 'bob plan', tags: ['mine'] } });
    const list = (await t.as(b, { method: 'GET', url: '/api/v1/tasks?q=plan' })).json();
    expect(list.items.map((x: { title: string }) => x.title)).toEqual(['bob plan']);
    const tags = (await t.as(b, { method: 'GET', url: '/api/v1/tags' })).json();
    expect(tags.items).toEqual([{ tag: 'mine', count: 1, open: 1 }]);
    const compat = (await t.as(b, { method: 'GET', url: `/api/${b.id}/tasks` })).json();
    expect(compat.map((x: { title: string }) => x.title)).toEqual(['bob plan']);
  });

  it("A's task is untouched after B's attempts", async () => {
    const res = await t.as(a, { method: 'GET', url: `/api/v1/tasks/${taskId}` });
    expect(res.json()).toMatchObject({ title: 'secret plan', completed: false, version: 1 });
  });
});
