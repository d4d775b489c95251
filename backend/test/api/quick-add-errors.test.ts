import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp, type TestUser } from './harness.js';

let t: TestApp;
let u: TestUser;
beforeAll(async () => {
  t = await startTestApp();
  u = await t.signUp('quick');
});
afterAll(() => t.stop());

describe('quick-add over HTTP', () => {
  it('reads a reminder in words', async () => {
    const res = await t.as(u, {
      method: 'POST',
      url: '/api/v1/tasks',
      payload: { text: 'Buy groceries tomorrow 5pm remind me 30 minutes before', time_zone: 'Europe/Berlin' },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ title: 'Buy groceries', reminders: [{ minutes_before: 30 }] });
  });

  it.each([
    ['/api/v1/tasks', 'Stretch every 0 days'],
    ['/api/v1/tasks', 'Taxes april 30 remind me 300 years before'],
    ['/api/v1/parse', 'Stretch every 0 days'],
  ])('%s %j → 422 problem, nothing stored', async (url, text) => {
    const res = await t.as(u, { method: 'POST', url, payload: { text, time_zone: 'Europe/Berlin' } });
    expect(res.statusCode).toBe(422);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({ title: 'Invalid quick-add text', errors: [{ path: 'text' }] });
    const list = await t.as(u, { method: 'GET', url: '/api/v1/tasks?q=stretch' });
    expect(list.json().items).toEqual([]);
  });
});
