/**
 * The example conversation against a real model: runs only when LLM_API_KEY is set
 * (with LLM_MODEL, and LLM_BASE_URL for providers other than OpenAI). Without it the
 * suite is skipped and says so in its name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLiveApp, type LiveApp, type LiveUser } from './harness.js';

const key = process.env.LLM_API_KEY;
const title = key
  ? `a real model (${process.env.LLM_MODEL ?? 'gpt-4.1-mini'} at ${process.env.LLM_BASE_URL ?? 'OpenAI'})`
  : 'a real model — SKIPPED: LLM_API_KEY is not set (set LLM_API_KEY, LLM_MODEL and LLM_BASE_URL to run it)';

if (!key) console.info(`live-model.test.ts: ${title}`);

describe.skipIf(!key)(title, () => {
  let t: LiveApp;
  let u: LiveUser;
  beforeAll(async () => {
    t = await startLiveApp({
      LLM_API_KEY: key,
      LLM_MODEL: process.env.LLM_MODEL ?? 'gpt-4.1-mini',
      LLM_BASE_URL: process.env.LLM_BASE_URL,
      LLM_API: process.env.LLM_API,
    });
    u = await t.signUp('live');
  });
  afterAll(() => t?.stop());

  const say = async (message: string, conversation?: string) => {
    const res = await t.fetchAs(u, `/api/${u.id}/chat`, { body: { message, ...(conversation ? { conversation_id: conversation } : {}) } });
    expect(res.status).toBe(200);
    return (await res.json()) as { conversation_id: string; response: string; tool_calls: Array<{ name: string }> };
  };
  const tasks = async () =>
    ((await (await t.fetchAs(u, '/api/v1/tasks')).json()) as { items: Array<{ id: number; title: string; completed: boolean }> }).items;

  it('adds, lists, completes and deletes tasks in plain language', { timeout: 180_000 }, async () => {
    const first = await say('Add a task to buy groceries');
    expect((await tasks()).some((x) => /groceries/i.test(x.title))).toBe(true);
    await say('I need to remember to pay bills', first.conversation_id);
    await say('Add a task for the team meeting on Friday', first.conversation_id);
    expect((await tasks()).length).toBe(3);
    const pending = await say("What's pending?", first.conversation_id);
    expect(pending.response).toMatch(/groceries/i);
    await say('Mark the groceries task as complete', first.conversation_id);
    expect((await tasks()).find((x) => /groceries/i.test(x.title))?.completed).toBe(true);
    const removed = await say('Delete the meeting task', first.conversation_id);
    expect(removed.tool_calls.map((c) => c.name)).toContain('delete_task');
    expect((await tasks()).some((x) => /meeting/i.test(x.title))).toBe(false);
    const completed = await say('What have I completed?', first.conversation_id);
    expect(completed.response).toMatch(/groceries/i);
  });
});
