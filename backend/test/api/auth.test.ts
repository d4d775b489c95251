import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './harness.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.stop());

describe('authentication', () => {
  it('rejects a request without credentials with 401 problem+json and a challenge', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/tasks' });
    expect(res.statusCode).toBe(401);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(res.json()).toMatchObject({ status: 401, title: 'Unauthorized' });
  });

  it('rejects a forged, malformed or non-bearer token', async () => {
    const user = await t.signUp('forger');
    const [h, p] = user.token.split('.');
    const forgedPayload = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), sub: 'someone-else' }),
    ).toString('base64url');
    for (const authorization of [
      `Bearer ${h}.${forgedPayload}.${user.token.split('.')[2]}`,
      'Bearer not-a-jwt',
      `Basic ${user.token}`,
      'Bearer',
    ]) {
      const res = await t.app.inject({ method: 'GET', url: '/api/v1/tasks', headers: { authorization } });
      expect(res.statusCode, authorization.slice(0, 20)).toBe(401);
    }
  });

  it('accepts the bearer JWT and the browser session cookie alike', async () => {
    const user = await t.signUp('both');
    const created = await t.as(user, { method: 'POST', url: '/api/v1/tasks', payload: { title: 'via token' } });
    expect(created.statusCode).toBe(201);
    const viaCookie = await t.app.inject({ method: 'GET', url: '/api/v1/tasks', headers: { cookie: user.cookie } });
    expect(viaCookie.statusCode).toBe(200);
    expect(viaCookie.json().items.map((x: { title: string }) => x.title)).toEqual(['via token']);
  });

  it('issues JWTs verifiable with the published JWKS, with subject, issuer and audience', async () => {
    const user = await t.signUp('jwks');
    const jwks = await t.app.inject({ method: 'GET', url: '/api/auth/jwks' });
    expect(jwks.statusCode).toBe(200);
    const payload = JSON.parse(Buffer.from(user.token.split('.')[1]!, 'base64url').toString());
    expect(payload).toMatchObject({ sub: user.id, iss: 'kairos', aud: 'kairos-api' });
    expect(payload.exp - payload.iat).toBe(15 * 60);
    expect(jwks.json().keys.map((k: { kid: string }) => k.kid)).toContain(
      JSON.parse(Buffer.from(user.token.split('.')[0]!, 'base64url').toString()).kid,
    );
  });

  it('rejects wrong passwords without saying which part was wrong', async () => {
    const user = await t.signUp('pw');
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/auth/sign-in/email',
      payload: { email: user.email, password: 'wrong-password-1' },
    });
    expect(res.statusCode).toBe(401);
    const unknown = await t.app.inject({
      method: 'POST',
      url: '/api/auth/sign-in/email',
      payload: { email: 'nobody@example.com', password: 'wrong-password-1' },
    });
    expect(unknown.statusCode).toBe(401);
    expect(unknown.json().message).toBe(res.json().message);
  });
});

describe('expiry and rate limits', () => {
  let short: TestApp;
  beforeAll(async () => {
    short = await startTestApp({ KAIROS_JWT_TTL: '4s', KAIROS_AUTH_RATE_LIMIT: '3' });
  });
  afterAll(() => short.stop());

  it('rejects an expired token', async () => {
    const user = await short.signUp('expiry');
    expect((await short.as(user, { method: 'GET', url: '/api/v1/tasks' })).statusCode).toBe(200);
    const exp = JSON.parse(Buffer.from(user.token.split('.')[1]!, 'base64url').toString()).exp as number;
    await new Promise((r) => setTimeout(r, Math.max(0, exp * 1000 - Date.now()) + 1100));
    const res = await short.as(user, { method: 'GET', url: '/api/v1/tasks' });
    expect(res.statusCode).toBe(401);
    expect(res.json().detail).toMatch(/exp/);
  });

  it('rate-limits sign-in attempts per client with 429 problem+json', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await short.app.inject({
        method: 'POST',
        url: '/api/auth/sign-in/email',
        payload: { email: 'x@example.com', password: 'whatever-123' },
        remoteAddress: '10.9.9.9',
      });
      statuses.push(res.statusCode);
      if (res.statusCode === 429) expect(res.json()).toMatchObject({ status: 429, title: 'Too many requests' });
    }
    expect(statuses.slice(0, 3).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(3)).toEqual([429, 429]);
    // another client is not affected
    const other = await short.app.inject({
      method: 'POST',
      url: '/api/auth/sign-in/email',
      payload: { email: 'x@example.com', password: 'whatever-123' },
      remoteAddress: '10.9.9.10',
    });
    expect(other.statusCode).toBe(401);
  });
});

describe('cross-site protection', () => {
  it('refuses a cookie-carrying sign-in from a foreign origin, allows API clients without Origin', async () => {
    const user = await t.signUp('csrf');
    const foreign = await t.app.inject({
      method: 'POST',
      url: '/api/auth/sign-in/email',
      payload: { email: user.email, password: 'correct-horse-battery' },
      headers: { origin: 'https://evil.example', cookie: user.cookie },
    });
    expect(foreign.statusCode).toBe(403);
    const apiClient = await t.app.inject({
      method: 'POST',
      url: '/api/auth/sign-in/email',
      payload: { email: user.email, password: 'correct-horse-battery' },
    });
    expect(apiClient.statusCode).toBe(200);
    const trusted = await t.app.inject({
      method: 'POST',
      url: '/api/auth/sign-in/email',
      payload: { email: user.email, password: 'correct-horse-battery' },
      headers: { origin: 'http://localhost:3000', cookie: user.cookie },
    });
    expect(trusted.statusCode).toBe(200);
  });
});
