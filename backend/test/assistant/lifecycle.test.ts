/** The assistant across restarts, and without a model. */
import { mkdtempSync, rmSync } from 'node:fs';
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
