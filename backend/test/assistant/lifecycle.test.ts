/** The assistant across restarts, and without a model. */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usingPostgres } from '../api/harness.js';
import { startLiveApp, type LiveUser } from './harness.js';
import { startScriptedModel, textOf, type ScriptedModel } from './scripted-model.js';

describe('without a model configured', () => {
  it('the product runs; chat answers 503 problem+json with the hint how to enable it', async () => {
    const t = await startLiveApp({ LLM_MODEL: undefined });
    try {
      const u = await t.signUp('nomodel');
      expect((await t.fetchAs(u, '/api/v1/tasks', { body: { title: 'Still works' } })).status).toBe(201);
      const status = (await (await t.fetchAs(u, '/api/v1/assistant')).json()) as { enabled: boolean; hint: string };
      expect(status).toMatchObject({ enabled: false, hint: expect.stringContaining('LLM_MODEL') });
      for (const [path, body] of [
        [`/api/${u.id}/chat`, { message: 'Add a task to buy groceries' }],
        ['/api/v1/chat', { message: 'Add a task to buy groceries' }],
        ['/api/v1/chat/stream', { message: 'Add a task to buy groceries' }],
      ] as const) {
        const res = await t.fetchAs(u, path, { body });
        expect(res.status, path).toBe(503);
        expect(res.headers.get('content-type')).toContain('application/problem+json');
        expect(await res.json()).toMatchObject({ status: 503, title: 'Assistant not configured', hint: status.hint, detail: status.hint });
      }
      // the MCP server does not need a model
      const client = await t.mcp(u.token);
      expect((await client.listTools()).tools.length).toBeGreaterThan(5);
      await client.close();
    } finally {
      await t.stop();
    }
  });

  it('a model endpoint that does not answer is a 502 and the message is kept', async () => {
    const t = await startLiveApp({ LLM_BASE_URL: 'http://127.0.0.1:9/v1', LLM_API_KEY: 'x', LLM_MODEL: 'gone', LLM_TIMEOUT_MS: '2000' });
    try {
      const u = await t.signUp('down');
      const res = await t.fetchAs(u, `/api/${u.id}/chat`, { body: { message: 'Anyone there?' } });
      expect(res.status).toBe(502);
      expect(await res.json()).toMatchObject({ title: 'Model unavailable' });
      const list = (await (await t.fetchAs(u, '/api/v1/conversations')).json()) as { items: Array<{ id: string }> };
      const convo = (await (await t.fetchAs(u, `/api/v1/conversations/${list.items[0]!.id}`)).json()) as {
        messages: Array<{ content: string }>;
      };
      expect(convo.messages.map((m) => m.content)).toEqual(['Anyone there?']);
    } finally {
      await t.stop();
    }
  });
});

describe(usingPostgres ? 'restart (PostgreSQL at DATABASE_URL)' : 'restart (embedded database on disk)', () => {
  let model: ScriptedModel;
  let dir: string;
  beforeAll(async () => {
    model = await startScriptedModel();
    dir = mkdtempSync(join(tmpdir(), 'kairos-chat-'));
  });
  afterAll(async () => {
    await model.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a conversation continues after the process restarts, with its history', async () => {
    const env = { KAIROS_DATA_DIR: dir, LLM_BASE_URL: model.baseUrl, LLM_API_KEY: 'scripted', LLM_MODEL: 'scripted-model' };
    model.script('Add a task to buy groceries', [
      { tool: 'add_task', arguments: { title: 'Buy groceries' } },
      { text: 'Added "Buy groceries".' },
    ]);
    model.script('What did I just add?', [
      (ctx) => {
        const earlier = ctx.request.messages.filter((m) => m.role === 'user').map((m) => textOf(m.content));
        return { text: earlier.includes('Add a task to buy groceries') ? 'You added "Buy groceries".' : 'I do not remember.' };
      },
    ]);

    let t = await startLiveApp(env);
    let user: LiveUser;
    let conversation: string;
    try {
      user = await t.signUp('restart');
      const res = await t.fetchAs(user, `/api/${user.id}/chat`, { body: { message: 'Add a task to buy groceries' } });
      conversation = ((await res.json()) as { conversation_id: string }).conversation_id;
    } finally {
      await t.stop();
    }

    t = await startLiveApp(env);
    try {
      const res = await t.fetchAs(user, `/api/${user.id}/chat`, {
        body: { conversation_id: conversation, message: 'What did I just add?' },
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ conversation_id: conversation, response: 'You added "Buy groceries".' });
      const convo = (await (await t.fetchAs(user, `/api/v1/conversations/${conversation}`)).json()) as {
        messages: Array<{ role: string }>;
      };
      expect(convo.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    } finally {
      await t.stop();
    }
    expect(model.violations).toEqual([]);
  });
});

describe("the agent's MCP connection", () => {
  it("is opened once per user token and reused: a turn then costs one request per tool call, always with that user's token", async () => {
    // a recording proxy in front of /mcp (KAIROS_MCP_URL), forwarding to the app
    const seen: Array<{ method: string; sub: string }> = [];
    let target = '';
    const proxy = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = Buffer.concat(chunks).toString('utf8');
      const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
      const sub = String(
        (JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8') || '{}') as { sub?: string }).sub,
      );
      if (req.method === 'POST') seen.push({ method: (JSON.parse(body) as { method: string }).method, sub });
      const upstream = await fetch(target, {
        method: req.method,
        headers: Object.fromEntries(Object.entries(req.headers).filter(([k]) => k !== 'host' && k !== 'content-length')) as Record<
          string,
          string
        >,
        ...(req.method === 'POST' ? { body } : {}),
      });
      res.writeHead(upstream.status, Object.fromEntries(upstream.headers));
      res.end(Buffer.from(await upstream.arrayBuffer()));
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/mcp`;
    const model = await startScriptedModel();
    model.script(/^Add a task to /, [
      (ctx) => ({ tool: 'add_task', arguments: { title: ctx.message.replace(/^Add a task to /, '') } }),
      { text: 'Added.' },
    ]);
    const t = await startLiveApp({
      LLM_BASE_URL: model.baseUrl,
      LLM_API_KEY: 'scripted',
      LLM_MODEL: 'scripted-model',
      KAIROS_MCP_URL: proxyUrl,
    });
    target = `${t.url}/mcp`;
    try {
      const [ada, bob] = [await t.signUp('ada'), await t.signUp('bob')];
      const turn = async (u: LiveUser, message: string) =>
        expect((await t.fetchAs(u, `/api/${u.id}/chat`, { body: { message } })).status).toBe(200);
      await turn(ada, 'Add a task to buy milk');
      await turn(ada, 'Add a task to buy bread');
      await turn(bob, 'Add a task to call mom');
      await Promise.all([turn(ada, 'Add a task to buy eggs'), turn(ada, 'Add a task to buy tea')]);
      const of = (u: LiveUser) => seen.filter((s) => s.sub === u.id).map((s) => s.method);
      expect(seen.every((s) => s.sub === ada.id || s.sub === bob.id)).toBe(true);
      expect(of(ada).filter((m) => m === 'initialize')).toHaveLength(1);
      expect(of(ada).filter((m) => m === 'tools/call')).toHaveLength(4);
      expect(of(bob).filter((m) => m === 'initialize')).toHaveLength(1);
      expect(of(bob).filter((m) => m === 'tools/call')).toHaveLength(1);
      expect(((await (await t.fetchAs(ada, '/api/v1/tasks')).json()) as { items: unknown[] }).items).toHaveLength(4);
      expect(((await (await t.fetchAs(bob, '/api/v1/tasks')).json()) as { items: unknown[] }).items).toHaveLength(1);
      expect(model.violations).toEqual([]);
    } finally {
      await t.stop();
      await model.close();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    }
  });
});
