/**
 * The embedded application listening on 127.0.0.1 (a random port), for tests that need
 * real HTTP: MCP clients and the agent reach /mcp over the network stack, like in
 * production. `dataDir` keeps the database on disk, so a test can restart the process.
 */
import { randomUUID } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import pino from 'pino';
import { loadConfig } from '../../src/config.js';
import { startAll } from '../../src/roles/all.js';
import { createCore, type Core } from '../../src/roles/core.js';

export interface LiveUser {
  id: string;
  token: string;
  cookie: string;
}

export interface LiveApp {
  url: string;
  core: Core;
  signUp(name?: string): Promise<LiveUser>;
  fetchAs(
    user: LiveUser | null,
    path: string,
    init?: { method?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<Response>;
  mcp(token: string | null): Promise<Client>;
  stop(): Promise<void>;
}

export async function startLiveApp(env: Record<string, string | undefined> = {}): Promise<LiveApp> {
  const config = loadConfig(
    {
      KAIROS_DATA_DIR: 'memory://',
      LOG_LEVEL: 'silent',
      BETTER_AUTH_SECRET: 'test-secret-shared-by-every-test-app-0123456789',
      KAIROS_AUTH_RATE_LIMIT: '0',
      KAIROS_OUTBOX_POLL_MS: '200',
      DATABASE_URL: process.env.DATABASE_URL,
      HOST: '127.0.0.1',
      PORT: '0',
      ...env,
    },
    'all',
  );
  const core = await createCore(config, { logger: pino({ level: 'silent' }) });
  const running = await startAll(core, true);
  const url = running.url.replace('0.0.0.0', '127.0.0.1').replace('localhost', '127.0.0.1');

  async function fetchAs(
    user: LiveUser | null,
    path: string,
    init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
  ) {
    return fetch(url + path, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers: {
        ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(user ? { authorization: `Bearer ${user.token}` } : {}),
        ...init.headers,
      },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });
  }

  return {
    url,
    core,
    fetchAs,
    async signUp(name = 'Test') {
      const email = `${name.toLowerCase().replace(/\W/g, '')}-${randomUUID().slice(0, 8)}@example.com`;
      const res = await fetchAs(null, '/api/auth/sign-up/email', { body: { email, password: 'correct-horse-battery', name } });
      if (res.status !== 200) throw new Error(`sign-up failed: ${res.status} ${await res.text()}`);
      const cookie = res.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; ');
      const id = ((await res.json()) as { user: { id: string } }).user.id;
      const token = ((await (await fetchAs(null, '/api/auth/token', { headers: { cookie } })).json()) as { token: string }).token;
      return { id, token, cookie };
    },
    async mcp(token) {
      const client = new Client({ name: 'kairos-test', version: '1.0.0' });
      const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
        requestInit: token ? { headers: { authorization: `Bearer ${token}` } } : {},
      });
      await client.connect(transport);
      return client;
    },
    stop: () => running.stop(),
  };
}

/** The parsed JSON of a tool result's text, and whether it is an error. */
export function toolOutput(result: unknown): { isError: boolean; text: string; json: unknown } {
  const r = result as { isError?: boolean; content: Array<{ type: string; text?: string }> };
  const text = r.content.map((c) => c.text ?? '').join('');
  let json: unknown = undefined;
  try {
    json = JSON.parse(text);
  } catch {
    /* an error message */
  }
  return { isError: r.isError === true, text, json };
}
