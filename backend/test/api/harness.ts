/**
 * Starts the real embedded application (role `all`) for a test file: PGlite in memory,
 * or the PostgreSQL at DATABASE_URL when set — the same suite runs against both.
 * Requests go through Fastify's inject (no socket), users sign up through Better Auth.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import pino from 'pino';
import { loadConfig } from '../../src/config.js';
import type { Clock } from '../../src/ports/index.js';
import { startAll } from '../../src/roles/all.js';
import { createCore, type Core } from '../../src/roles/core.js';

export interface TestUser {
  id: string;
  email: string;
  token: string;
  cookie: string;
}

export interface TestApp {
  app: FastifyInstance;
  core: Core;
  signUp(name?: string): Promise<TestUser>;
  /** Inject with the user's bearer token. */
  as(user: TestUser, opts: InjectOptions): Promise<LightMyRequestResponse>;
  stop(): Promise<void>;
}

export const usingPostgres = Boolean(process.env.DATABASE_URL);

export async function startTestApp(env: Record<string, string> = {}, overrides: { clock?: Clock } = {}): Promise<TestApp> {
  const config = loadConfig(
    {
      KAIROS_DATA_DIR: 'memory://',
      LOG_LEVEL: 'silent',
      BETTER_AUTH_SECRET: 'test-secret-shared-by-every-test-app-0123456789',
      KAIROS_AUTH_RATE_LIMIT: '0',
      KAIROS_OUTBOX_POLL_MS: '200',
      DATABASE_URL: process.env.DATABASE_URL,
      ...env,
    },
    'all',
  );
  const core = await createCore(config, { ...overrides, logger: pino({ level: 'silent' }) });
  const running = await startAll(core, false);
  const { app } = running;

  return {
    app,
    core,
    async signUp(name = 'Test') {
      const email = `${name.toLowerCase().replace(/\W/g, '')}-${randomUUID().slice(0, 8)}@example.com`;
      const res = await app.inject({
        method: 'POST',
        url: '/api/auth/sign-up/email',
        payload: { email, password: 'correct-horse-battery', name },
      });
      if (res.statusCode !== 200) throw new Error(`sign-up failed: ${res.statusCode} ${res.body}`);
      const cookie = [res.headers['set-cookie']]
        .flat()
        .filter(Boolean)
        .map((c) => String(c).split(';')[0])
        .join('; ');
      const tokenRes = await app.inject({ method: 'GET', url: '/api/auth/token', headers: { cookie } });
      const token = tokenRes.json().token as string;
      return { id: res.json().user.id, email, token, cookie };
    },
    as(user, opts) {
      return app.inject({ ...opts, headers: { authorization: `Bearer ${user.token}`, ...(opts.headers ?? {}) } });
    },
    stop: () => running.stop(),
  };
}

/** Polls until `check` returns a truthy value (events are asynchronous), or fails after `ms`. */
export async function eventually<T>(check: () => Promise<T | undefined | null | false>, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
