/**
 * Regression tests for the defect classes of the hardening review: control characters,
 * dates out of range, silently different tasks, sign-out that signs out, the order of
 * checks (authentication and ownership before validation) and an OpenAPI document that
 * declares what the server sends.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp, type TestUser } from './harness.js';

let t: TestApp;
let u: TestUser;
let other: TestUser;
beforeAll(async () => {
  t = await startTestApp();
  u = await t.signUp('hardener');
  other = await t.signUp('other');
});
afterAll(() => t.stop());

const json = { 'content-type': 'application/json' };
const create = (payload: unknown) => t.as(u, { method: 'POST', url: '/api/v1/tasks', payload: payload as object, headers: json });

function expectProblem(
  res: { statusCode: number; headers: Record<string, unknown>; json: () => { errors?: { path: string }[] } },
  status: number,
  path?: string,
) {
  expect(res.statusCode, JSON.stringify(res.json())).toBe(status);
  expect(String(res.headers['content-type'])).toMatch(/^application\/problem\+json/);
  if (path !== undefined) expect(res.json().errors?.map((e) => e.path)).toContain(path);
}

describe('control characters in any text input: one rule, a 400 naming the field, never a 500', () => {
  it.each([
    ['title', { title: 'a\u0000b' }, 'title'],
    ['description', { title: 'a', description: 'x\u0000' }, 'description'],
    ['quick-add text', { text: 'pay rent\u0000 tomorrow' }, 'text'],
    ['a tag', { title: 'a', tags: ['ok', 'b\u0007ad'] }, 'tags.1'],
    ['an object key', { title: 'a', ['col\u0000our']: 'red' }, 'col?our'],
    ['DEL', { title: 'a\u007f' }, 'title'],
  ])('%s → 400', async (_name, body, path) => {
    expectProblem(await create(body), 400, path);
  });

  it('tab, line feed and carriage return stay allowed in a description', async () => {
    const res = await create({ title: 'multi-line', description: 'one\ttwo\r\nthree\n' });
    expect(res.statusCode).toBe(201);
    expect(res.json().description).toBe('one\ttwo\r\nthree\n');
  });

  it('in the query string (a tag filter, a search) → 400, not 500', async () => {
    expectProblem(await t.as(u, { method: 'GET', url: '/api/v1/tasks?tags=a%00b' }), 400, 'querystring.tags');
    expectProblem(await t.as(u, { method: 'GET', url: '/api/v1/tasks?q=%00' }), 400, 'querystring.q');
  });

  it('in a saved view, the quick-add preview, the compatibility API and sign-up → 400', async () => {
    expectProblem(
      await t.as(u, { method: 'POST', url: '/api/v1/views', payload: { name: 'v\u0000', query: {} }, headers: json }),
      400,
      'name',
    );
    expectProblem(
      await t.as(u, { method: 'POST', url: '/api/v1/views', payload: { name: 'v', query: { q: 'x\u0000' } }, headers: json }),
      400,
      'query.q',
    );
    expectProblem(await t.as(u, { method: 'POST', url: '/api/v1/parse', payload: { text: 'a\u0000' }, headers: json }), 400, 'text');
    expectProblem(await t.as(u, { method: 'POST', url: `/api/${u.id}/tasks`, payload: { title: 'a\u0000' }, headers: json }), 400, 'title');
    const signUp = await t.app.inject({
      method: 'POST',
      url: '/api/auth/sign-up/email',
      payload: { email: 'nul@example.com', password: 'correct-horse-battery', name: 'N\u0000' },
    });
    expectProblem(signUp, 400, 'name');
  });
});

describe('dates outside 1970–9999: a 400/422 with a field message', () => {
  it.each([
    ['year 0000', { title: 'a', due_at: '0000-01-01T00:00:00Z' }, 'due_at'],
    ['year 1969', { title: 'a', due_at: '1969-12-31T23:59:59Z' }, 'due_at'],
    ['year 10000 after the offset', { title: 'a', due_at: '9999-12-31T23:00:00-05:00' }, 'due_at'],
    ['a reminder at year 0001', { title: 'a', reminders: [{ at: '0001-01-01T00:00:00Z' }] }, 'reminders.0'],
  ])('%s in a body → 400', async (_name, body, path) => {
    expectProblem(await create(body), 400, path);
  });

  it('the edges are accepted', async () => {
    expect((await create({ title: 'a', due_at: '1970-01-01T00:00:00Z' })).statusCode).toBe(201);
    expect((await create({ title: 'a', due_at: '9999-12-31T23:59:59Z' })).statusCode).toBe(201);
  });

  it('in due_from / due_to → 400', async () => {
    expectProblem(await t.as(u, { method: 'GET', url: '/api/v1/tasks?due_from=0000-01-01T00:00:00Z' }), 400, 'querystring.due_from');
    expectProblem(
      await t.as(u, { method: 'GET', url: `/api/v1/tasks?due_to=${encodeURIComponent('9999-12-31T23:00:00-05:00')}` }),
      400,
      'querystring.due_to',
    );
  });

  it('quick-add "in 8000 years" → 422 naming due_at, in the preview and on create', async () => {
    expectProblem(await create({ text: 'x in 8000 years' }), 422, 'due_at');
    expectProblem(
      await t.as(u, { method: 'POST', url: '/api/v1/parse', payload: { text: 'x in 8000 years' }, headers: json }),
      422,
      'due_at',
    );
  });

  it('a recurring series ends at 9999 rather than failing to store its next occurrence', async () => {
    const res = await create({ title: 'last', due_at: '9999-06-01T09:00:00Z', recurrence: { rule: 'FREQ=YEARLY', mode: 'due' } });
    expect(res.statusCode).toBe(201);
    const done = await t.as(u, { method: 'POST', url: `/api/v1/tasks/${res.json().id}/complete` });
    expect(done.statusCode).toBe(200);
  });
});

describe('never a silently different task', () => {
  it('"every 0 days" → 422 naming the rule (not daily)', async () => {
    // quick-add names the line it could not read (the phrase is in the message)
    expectProblem(await create({ text: 'water plants every 0 days' }), 422, 'text');
    expectProblem(
      await t.as(u, { method: 'POST', url: '/api/v1/parse', payload: { text: 'x every 0 weeks' }, headers: json }),
      422,
      'text',
    );
    expectProblem(
      await create({ title: 'a', due_at: '2030-01-01T00:00:00Z', recurrence: { rule: 'FREQ=DAILY;INTERVAL=0' } }),
      400,
      'recurrence.rule',
    );
  });

  it('an absurd reminder offset → 4xx (not a moved due date, not a dropped reminder)', async () => {
    expectProblem(await create({ text: 'remind me 99999999 minutes before' }), 422, 'text');
    expectProblem(await create({ text: 'x tomorrow ^9999w' }), 422, 'text');
    expectProblem(
      await create({ title: 'a', due_at: '2030-01-01T00:00:00Z', reminders: [{ minutes_before: 99_999_999 }] }),
      400,
      'reminders.0.minutes_before',
    );
  });

  it('an UNTIL before the first occurrence → 422 (fields and quick-add)', async () => {
    expectProblem(
      await create({ title: 'a', due_at: '2030-01-01T09:00:00Z', recurrence: { rule: 'FREQ=DAILY;UNTIL=20291231' } }),
      422,
      'recurrence.rule',
    );
    expectProblem(
      await create({
        title: 'a',
        due_at: '2030-01-01T09:00:00Z',
        time_zone: 'UTC',
        recurrence: { rule: 'FREQ=DAILY;UNTIL=20300101T080000Z' },
      }),
      422,
      'recurrence.rule',
    );
    expectProblem(await create({ text: 'x every day until yesterday' }), 422, 'recurrence.rule');
    // UNTIL on the first day is a one-occurrence series: allowed.
    expect(
      (await create({ title: 'a', due_at: '2030-01-01T09:00:00Z', recurrence: { rule: 'FREQ=DAILY;UNTIL=20300101' } })).statusCode,
    ).toBe(201);
    // A patch that moves the due date past UNTIL is refused the same way.
    const task = (await create({ title: 'a', due_at: '2030-01-01T09:00:00Z', recurrence: { rule: 'FREQ=DAILY;UNTIL=20300105' } })).json();
    const moved = await t.as(u, {
      method: 'PATCH',
      url: `/api/v1/tasks/${task.id}`,
      payload: { due_at: '2030-02-01T09:00:00Z' },
      headers: json,
    });
    expectProblem(moved, 422, 'recurrence.rule');
  });
});

describe('sign-out and revocation take effect at once for cookies', () => {
  const cookieGet = (cookie: string, url = '/api/v1/tasks') => t.app.inject({ method: 'GET', url, headers: { cookie } });

  it('after sign-out the old cookie is refused and mints no bearer token', async () => {
    const me = await t.signUp('leaver');
    expect((await cookieGet(me.cookie)).statusCode).toBe(200);
    const out = await t.app.inject({
      method: 'POST',
      url: '/api/auth/sign-out',
      headers: { cookie: me.cookie, origin: 'http://localhost:3000' },
    });
    expect(out.statusCode).toBe(200);
    expect((await cookieGet(me.cookie)).statusCode).toBe(401);
    const token = await cookieGet(me.cookie, '/api/auth/token');
    expect(token.statusCode).toBe(401);
    expect(token.body).not.toMatch(/"token"/);
  });

  it('"sign out everywhere" (POST /api/auth/revoke-sessions) ends every session of the user', async () => {
    const me = await t.signUp('everywhere');
    const second = await t.app.inject({
      method: 'POST',
      url: '/api/auth/sign-in/email',
      payload: { email: me.email, password: 'correct-horse-battery' },
    });
    expect(second.statusCode).toBe(200);
    const secondCookie = [second.headers['set-cookie']]
      .flat()
      .map((c) => String(c).split(';')[0])
      .join('; ');
    expect((await cookieGet(secondCookie)).statusCode).toBe(200);
    const revoke = await t.app.inject({
      method: 'POST',
      url: '/api/auth/revoke-sessions',
      headers: { cookie: me.cookie, origin: 'http://localhost:3000', 'content-type': 'application/json' },
      payload: {},
    });
    expect(revoke.statusCode).toBe(200);
    expect((await cookieGet(me.cookie)).statusCode).toBe(401);
    expect((await cookieGet(secondCookie)).statusCode).toBe(401);
    expect((await cookieGet(secondCookie, '/api/auth/token')).statusCode).toBe(401);
  });
});

interface Operation {
  method: string;
  path: string;
  secured: boolean;
  hasBody: boolean;
}

async function operations(): Promise<Operation[]> {
  await t.app.ready();
  const doc = t.app.swagger() as unknown as { paths: Record<string, Record<string, { security?: unknown[]; requestBody?: unknown }>> };
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      secured: Array.isArray(op.security) && op.security.length > 0,
      hasBody: op.requestBody !== undefined,
    })),
  );
}

const fill = (path: string, userId: string) => path.replace('{user_id}', userId).replace('{id}', 'not-a-number');

describe('authentication and ownership before validation, on every secured route', () => {
  it('no credentials + bad path + bad body → 401 on every documented secured operation', async () => {
    const ops = (await operations()).filter((o) => o.secured);
    expect(ops.length).toBeGreaterThan(15);
    for (const op of ops) {
      const res = await t.app.inject({
        method: op.method as 'GET',
        url: `${fill(op.path, 'someone')}?limit=-1&bogus=1`,
        ...(op.hasBody ? { payload: '{"title": 42, "bogus": true', headers: json } : {}),
      });
      expect(res.statusCode, `${op.method} ${op.path}: ${res.body}`).toBe(401);
      expect(res.headers['www-authenticate']).toBeDefined();
    }
  });

  it('compatibility surface: a foreign {user_id} with a bad body or bad id → 403', async () => {
    const ops = (await operations()).filter((o) => o.path.includes('{user_id}'));
    expect(ops.length).toBeGreaterThanOrEqual(6);
    for (const op of ops) {
      const res = await t.as(u, {
        method: op.method as 'GET',
        url: `${fill(op.path, other.id)}?bogus=1`,
        ...(op.hasBody ? { payload: { title: 42, bogus: true }, headers: json } : {}),
      });
      expect(res.statusCode, `${op.method} ${op.path}: ${res.body}`).toBe(403);
    }
  });
});

describe('the OpenAPI document declares what the server sends', () => {
  it('every error response is application/problem+json, and only that', async () => {
    await t.app.ready();
    const doc = t.app.swagger() as unknown as {
      paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>>;
    };
    let errors = 0;
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        for (const [status, response] of Object.entries(op.responses)) {
          if (!/^[45]/.test(status)) continue;
          errors++;
          expect(Object.keys(response.content ?? {}), `${method} ${path} ${status}`).toEqual(['application/problem+json']);
        }
        if (['post', 'put', 'patch'].includes(method) && path.startsWith('/api/')) {
          expect(Object.keys(op.responses), `${method} ${path}`).toEqual(expect.arrayContaining(['400', '401', '413', '415']));
        }
      }
    }
    expect(errors).toBeGreaterThan(60);
  });
});
