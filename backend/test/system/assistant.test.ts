/**
 * The assistant on the real stack: the real agent in the api role, the real MCP server
 * over HTTP, and — the only double — the scripted model on 127.0.0.1 (the api role is
 * pointed at its port by stack.ts). A change made through chat reaches the audit role
 * through Kafka; the conversation lives in the Dapr state store (state.postgresql): read
 * back through daprd's state API and found in its PostgreSQL table, not in the embedded
 * mode's tables; and it continues after the api process is killed and started again.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { startScriptedModel, textOf, type ScriptedModel } from '../assistant/scripted-model.js';
import { API, API_SIDECAR, DATABASE_URL, eventually, signUp, type User } from './client.js';
import { SYSTEM_MODEL_ENV, SYSTEM_MODEL_PORT } from './stack.js';

const root = resolve(import.meta.dirname, '../../..');
const stackDir = inject('stackDir');
const pidOf = (name: string) => Number(readFileSync(join(stackDir, 'run', `${name}.pid`), 'utf8').trim());

/** The Dapr component's table (deploy/dapr/components/state-postgresql.yaml: v2, tablePrefix dapr_); values are JSON in a bytea. */
const STATE_TABLE = 'dapr_state';
/** Keys of the state store are prefixed with the app id of the sidecar that wrote them. */
const stateKey = (key: string) => `kairos-api||${key}`;

interface ChatReply {
  conversation_id: string;
  response: string;
  tool_calls: Array<{ name: string; arguments: Record<string, unknown>; result: unknown; is_error: boolean; task_ids: number[] }>;
}

let model: ScriptedModel;
let db: pg.Client;
let user: User;

beforeAll(async () => {
  model = await startScriptedModel({ port: SYSTEM_MODEL_PORT });
  db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  user = await signUp('chat');
});
afterAll(async () => {
  await db?.end();
  await model?.close();
});
afterEach(() => {
  expect(model.violations).toEqual([]);
});

async function chat(message: string, conversationId?: string): Promise<ChatReply> {
  const res = await user.call('POST', `/api/${user.id}/chat`, { message, ...(conversationId ? { conversation_id: conversationId } : {}) });
  expect(res.status, JSON.stringify(res.json)).toBe(200);
  return res.json as ChatReply;
}

async function historyOf(taskId: number) {
  return (await user.call('GET', `/api/v1/tasks/${taskId}/history`)).json.items as Array<{ event_type: string; task_data: unknown }>;
}

describe('the assistant in the distributed stack', () => {
  let conversation: string;
  let taskId: number;

  it('a task added and completed through chat reaches the audit role through Kafka', async () => {
    model.script('Add a task to buy groceries', [
      { tool: 'add_task', arguments: { title: 'Buy groceries' } },
      (ctx) => ({ text: `Added "Buy groceries" (task ${(ctx.result('add_task') as { task_id: number }).task_id}).` }),
    ]);
    const added = await chat('Add a task to buy groceries');
    expect(added.tool_calls).toEqual([
      expect.objectContaining({ name: 'add_task', is_error: false, result: expect.objectContaining({ status: 'created' }) }),
    ]);
    taskId = (added.tool_calls[0]!.result as { task_id: number }).task_id;
    expect(added.response).toBe(`Added "Buy groceries" (task ${taskId}).`);
    conversation = added.conversation_id;

    const task = await user.call('GET', `/api/v1/tasks/${taskId}`);
    expect(task).toMatchObject({ status: 200, json: { id: taskId, title: 'Buy groceries', completed: false } });
    const created = await eventually(
      async () => ((await historyOf(taskId)).length ? historyOf(taskId) : null),
      20_000,
      'audit of the chat-created task',
    );
    expect(created).toEqual([
      expect.objectContaining({ event_type: 'created', task_data: expect.objectContaining({ id: taskId, title: 'Buy groceries' }) }),
    ]);

    model.script(/^Mark task \d+ as complete$/, [
      (ctx) => ({ tool: 'complete_task', arguments: { task_id: Number(/\d+/.exec(ctx.message)![0]) } }),
      { text: 'Done.' },
    ]);
    const completed = await chat(`Mark task ${taskId} as complete`, conversation);
    expect(completed.tool_calls[0]).toMatchObject({
      name: 'complete_task',
      is_error: false,
      result: { task_id: taskId, status: 'completed' },
    });
    const events = await eventually(
      async () => {
        const h = await historyOf(taskId);
        return h.some((e) => e.event_type === 'completed') ? h : null;
      },
      20_000,
      'audit of the chat-completed task',
    );
    expect(events.map((e) => e.event_type)).toEqual(['completed', 'created']); // newest first
  });

  it("the conversation is in the Dapr state store (state.postgresql), not in the embedded mode's tables", async () => {
    // through the api's sidecar, as the api reads it
    const doc = await fetch(`${API_SIDECAR}/v1.0/state/kairos-state/${encodeURIComponent(`conversation:${user.id}:${conversation}`)}`);
    expect(doc.status).toBe(200);
    const stored = (await doc.json()) as { conversation: { id: string }; messages: Array<{ role: string; content: string }> };
    expect(stored.conversation.id).toBe(conversation);
    expect(stored.messages.map((m) => [m.role, m.content])).toEqual([
      ['user', 'Add a task to buy groceries'],
      ['assistant', `Added "Buy groceries" (task ${taskId}).`],
      ['user', `Mark task ${taskId} as complete`],
      ['assistant', 'Done.'],
    ]);
    const index = await fetch(`${API_SIDECAR}/v1.0/state/kairos-state/${encodeURIComponent(`conversations:${user.id}`)}`);
    expect(((await index.json()) as { items: Array<{ id: string }> }).items.map((c) => c.id)).toEqual([conversation]);

    // and in PostgreSQL, in the component's table
    const rows = await db.query<{ key: string; messages: number }>(
      `SELECT key, jsonb_array_length(convert_from(value, 'UTF8')::jsonb -> 'messages') AS messages FROM ${STATE_TABLE} WHERE key = ANY($1) ORDER BY key`,
      [[stateKey(`conversation:${user.id}:${conversation}`), stateKey(`conversations:${user.id}`)]],
    );
    expect(rows.rows).toEqual([
      { key: stateKey(`conversation:${user.id}:${conversation}`), messages: 4 },
      { key: stateKey(`conversations:${user.id}`), messages: null },
    ]);
    const embedded = await db.query('SELECT 1 FROM conversations WHERE id = $1', [conversation]);
    expect(embedded.rowCount).toBe(0);
  });

  it('the conversation continues after the api process is killed and started again', async () => {
    const before = pidOf('api');
    process.kill(before, 'SIGKILL');
    await eventually(
      async () =>
        !(await fetch(`${API}/healthz`).then(
          (r) => r.ok,
          () => false,
        )),
      10_000,
      'the api down',
    );
    // stack.sh up starts what is down (the api beside its running sidecar), with the same model
    execFileSync('bash', ['deploy/local/stack.sh', 'up'], {
      cwd: root,
      env: { ...process.env, ...SYSTEM_MODEL_ENV, KAIROS_STACK_DIR: stackDir, KAIROS_SKIP_PROVISION: '1' },
      stdio: 'inherit',
      timeout: 300_000,
    });
    expect(pidOf('api')).not.toBe(before);

    model.script('What did I just add?', [
      (ctx) => {
        const earlier = ctx.request.messages.map((m) => `${m.role}: ${textOf(m.content)}`);
        return {
          text:
            earlier.includes('user: Add a task to buy groceries') && earlier.includes('assistant: Done.')
              ? 'You added "Buy groceries".'
              : 'I do not remember.',
        };
      },
    ]);
    const reply = await chat('What did I just add?', conversation);
    expect(reply).toMatchObject({ conversation_id: conversation, response: 'You added "Buy groceries".', tool_calls: [] });
    const convo = await user.call('GET', `/api/v1/conversations/${conversation}`);
    expect(convo.json.messages.map((m: { role: string }) => m.role)).toEqual([
      'user',
      'assistant',
      'user',
      'assistant',
      'user',
      'assistant',
    ]);
    const listed = await user.call('GET', '/api/v1/conversations');
    expect(listed.json.items.map((c: { id: string }) => c.id)).toEqual([conversation]);
  }, 180_000);
});
