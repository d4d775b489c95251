/** Talks to the running stack the way a user's client does: HTTP to the api, WebSocket to realtime. */
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';

export const API = process.env.KAIROS_API ?? 'http://127.0.0.1:4000';
export const REALTIME = process.env.KAIROS_REALTIME ?? 'ws://127.0.0.1:4004';
export const API_SIDECAR = process.env.KAIROS_API_SIDECAR ?? 'http://127.0.0.1:3500';
/** The stack's database (deploy/local/postgres.sh), or the server stack.sh was given. */
export const DATABASE_URL = process.env.DATABASE_URL ?? `postgres://postgres@127.0.0.1:${process.env.PG_PORT ?? 5433}/kairos`;

export interface User {
  id: string;
  email: string;
  token: string;
  // Responses are whatever the API documents; tests assert on their shape.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  call(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }>;
}

/**
 * fetch, naming the request when it fails: undici's bare "fetch failed" does not say which
 * one. The error's cause stays the socket's own error (SocketError: other side closed,
 * ECONNRESET …), so callers that sort failures by cause still can.
 */
export async function request(url: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (err) {
    const cause = (err as Error & { cause?: Error }).cause;
    throw new Error(`${init?.method ?? 'GET'} ${url}: ${(err as Error).message}${cause ? ` (${cause.message})` : ''}`, {
      cause: cause ?? err,
    });
  }
}

export async function signUp(name = 'sys'): Promise<User> {
  const email = `${name}-${randomUUID().slice(0, 8)}@example.com`;
  const post = () =>
    request(`${API}/api/auth/sign-up/email`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: 'system-test-password', name }),
    });
  let res = await post();
  // The auth endpoints are rate limited per client address, and every test signs up from
  // one address: wait as a 429 says (Retry-After), a few times at most, as a client should.
  for (let attempt = 0; res.status === 429 && attempt < 4; attempt++) {
    const seconds = Math.min(60, Number(res.headers.get('retry-after')) || 20);
    await res.text();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    res = await post();
  }
  if (!res.ok) throw new Error(`sign-up: ${res.status} ${await res.text()}`);
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const id = ((await res.json()) as { user: { id: string } }).user.id;
  const tokenRes = await request(`${API}/api/auth/token`, { headers: { cookie } });
  if (!tokenRes.ok) throw new Error(`GET /api/auth/token: ${tokenRes.status} ${await tokenRes.text()}`);
  const token = ((await tokenRes.json()) as { token: string }).token;
  return {
    id,
    email,
    token,
    async call(method, path, body) {
      const r = await request(`${API}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await r.text();
      return { status: r.status, json: text ? JSON.parse(text) : undefined };
    },
  };
}

export async function eventually<T>(check: () => Promise<T | null | undefined | false>, ms = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`${what} not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface Msg {
  type: string;
  id?: string;
  task?: { id: number; title: string };
  notification?: { task_id: number };
}

export function connect(user: User, after?: string) {
  const ws = new WebSocket(`${REALTIME}/ws?token=${user.token}${after ? `&after=${after}` : ''}`);
  const messages: Msg[] = [];
  ws.on('message', (raw) => messages.push(JSON.parse(String(raw))));
  const opened = eventually(async () => messages.some((m) => m.type === 'hello'), 10_000, 'WebSocket hello');
  return { ws, messages, opened };
}
