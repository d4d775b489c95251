/**
 * Abuse limits: writes per user (429 + Retry-After), tasks imported per user (429), request
 * body size (413), WebSocket message size (close 1009) and open WebSocket connections per
 * user (429 at the upgrade).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createImportLimiter, createRateLimiter } from '../../src/http/limits.js';
import { startTestApp, type TestApp, type TestUser } from './harness.js';

let t: TestApp;
let base: string;
let a: TestUser;
let b: TestUser;

beforeAll(async () => {
  t = await startTestApp({
    KAIROS_WRITE_RATE_LIMIT: '5',
    KAIROS_WS_MAX_PER_USER: '2',
    KAIROS_WS_MAX_MESSAGE_BYTES: '1024',
    KAIROS_BODY_LIMIT: '2048',
    KAIROS_IMPORT_RATE_LIMIT: '100',
  });
  base = (await t.app.listen({ port: 0, host: '127.0.0.1' })).replace('http', 'ws');
  [a, b] = [await t.signUp('limited'), await t.signUp('unlimited')];
});
afterAll(() => t.stop());

const json = { 'content-type': 'application/json' };

describe('per-user write rate limit', () => {
  it('the write after the bucket is empty → 429 problem with Retry-After; reads and other users go on', async () => {
    for (let i = 0; i < 5; i++) {
      const res = await t.as(a, { method: 'POST', url: '/api/v1/tasks', payload: { title: `w${i}` }, headers: json });
      expect(res.statusCode).toBe(201);
    }
    const refused = await t.as(a, { method: 'POST', url: '/api/v1/tasks', payload: { title: 'one too many' }, headers: json });
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['content-type']).toMatch(/problem\+json/);
    const retry = Number(refused.headers['retry-after']);
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(12);
    // Counted per user, writes only, after authentication (no token → 401, not 429).
    expect((await t.as(a, { method: 'GET', url: '/api/v1/tasks' })).statusCode).toBe(200);
    expect((await t.as(b, { method: 'POST', url: '/api/v1/tasks', payload: { title: 'mine' }, headers: json })).statusCode).toBe(201);
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/tasks', payload: { title: 'x' }, headers: json })).statusCode).toBe(401);
    // The compatibility surface shares the bucket.
    expect((await t.as(a, { method: 'POST', url: `/api/${a.id}/tasks`, payload: { title: 'x' }, headers: json })).statusCode).toBe(429);
  });

  it('the bucket refills evenly over a minute', () => {
    let now = 0;
    const limiter = createRateLimiter(60, () => now);
    for (let i = 0; i < 60; i++) expect(limiter.take('u')).toBe(0);
    expect(limiter.take('u')).toBe(1);
    now += 1000;
    expect(limiter.take('u')).toBe(0);
    expect(limiter.take('u')).toBe(1);
    expect(limiter.take('v')).toBe(0);
  });
});

describe('tasks imported per user', () => {
  it("an import is one write but is counted in tasks: past the hour's budget → 429 with Retry-After", async () => {
    const c = await t.signUp('importer');
    const doc = (n: number) => ({ format: 'kairos-export', version: 1, tasks: Array.from({ length: n }, (_, i) => ({ title: `t${i}` })) });
    const first = await t.as(c, { method: 'POST', url: '/api/v1/import', payload: doc(60), headers: json });
    expect(first.statusCode, first.body).toBe(201);
    const refused = await t.as(c, { method: 'POST', url: '/api/v1/import?merge=true', payload: doc(60), headers: json });
    expect(refused.statusCode).toBe(429);
    expect(refused.json().detail).toMatch(/may import 100 tasks an hour/);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(600); // 20 more of 100 an hour: ~12 minutes
    expect((await t.as(c, { method: 'GET', url: '/api/v1/export' })).json().tasks).toHaveLength(60);
    // what is left still fits, and a task written one at a time is not an import
    expect((await t.as(c, { method: 'POST', url: '/api/v1/import?merge=true', payload: doc(40), headers: json })).statusCode).toBe(201);
    expect((await t.as(c, { method: 'POST', url: '/api/v1/tasks', payload: { title: 'by hand' }, headers: json })).statusCode).toBe(201);
  });

  it('the budget refills evenly over the hour', () => {
    let now = 0;
    const limiter = createImportLimiter({ importTasksPerHour: 10_000 }, () => now)!;
    expect(limiter.take('u', 10_000)).toBe(0);
    expect(limiter.take('u', 1000)).toBeGreaterThanOrEqual(360); // 1,000 of 10,000 an hour: 6 minutes
    now += 360_001;
    expect(limiter.take('u', 1000)).toBe(0);
    expect(createImportLimiter({ importTasksPerHour: 0 })).toBeNull();
  });
});

describe('request size', () => {
  it('a body over KAIROS_BODY_LIMIT → 413 problem', async () => {
    const res = await t.as(b, {
      method: 'POST',
      url: '/api/v1/tasks',
      payload: { title: 'x', description: 'y'.repeat(3000) },
      headers: json,
    });
    expect(res.statusCode).toBe(413);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
  });
});

function open(user: TestUser): Promise<{ ws: WebSocket; status?: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${base}/ws?token=${user.token}`);
    ws.once('message', () => resolve({ ws }));
    ws.once('unexpected-response', (_req, res) => resolve({ ws, status: res.statusCode }));
    ws.once('error', reject);
  });
}

describe('WebSocket limits', () => {
  it('at most KAIROS_WS_MAX_PER_USER open connections per user: the next upgrade → 429', async () => {
    const first = await open(b);
    const second = await open(b);
    expect([first.status, second.status]).toEqual([undefined, undefined]);
    const third = await open(b);
    expect(third.status).toBe(429);
    // Another user is not affected; closing one frees a place.
    const other = await open(a);
    expect(other.status).toBeUndefined();
    first.ws.close();
    await new Promise((r) => first.ws.once('close', r));
    let again: { ws: WebSocket; status?: number } | undefined;
    for (let i = 0; i < 50; i++) {
      again = await open(b);
      if (again.status === undefined) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(again?.status).toBeUndefined();
    for (const s of [second, other, again!]) s.ws.close();
  });

  it('a client message over KAIROS_WS_MAX_MESSAGE_BYTES closes the socket with 1009', async () => {
    const { ws } = await open(a);
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send('x'.repeat(2000));
    expect(await closed).toBe(1009);
  });
});
