/**
 * The chat assistant end to end: the real agent (OpenAI Agents SDK), the real MCP server
 * over HTTP, the real database — only the model is a scripted double. Every example of the
 * challenge runs, half of them through the JSON endpoint (non-streamed model calls), half
 * through the SSE endpoint (streamed model calls).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually, usingPostgres } from '../api/harness.js';
import { startLiveApp, type LiveApp, type LiveUser } from './harness.js';
import { startScriptedModel, textOf, type ScriptedModel, type StepContext } from './scripted-model.js';

let model: ScriptedModel;
let t: LiveApp;
let ada: LiveUser;
let bob: LiveUser;

beforeAll(async () => {
  model = await startScriptedModel();
  t = await startLiveApp({ LLM_BASE_URL: model.baseUrl, LLM_API_KEY: 'scripted', LLM_MODEL: 'scripted-model' });
  ada = await t.signUp('ada');
  bob = await t.signUp('bob');
});
afterAll(async () => {
  await t.stop();
  await model.close();
});
afterEach(() => {
  expect(model.violations).toEqual([]);
});

interface ChatReply {
  conversation_id: string;
  response: string;
  tool_calls: Array<{ name: string; arguments: Record<string, unknown>; result: unknown; is_error: boolean; task_ids: number[] }>;
}

async function chat(user: LiveUser, message: string, conversationId?: string): Promise<ChatReply> {
  const res = await t.fetchAs(user, `/api/${user.id}/chat`, {
    body: { message, ...(conversationId ? { conversation_id: conversationId } : {}) },
  });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as ChatReply;
}

/** The SSE endpoint: every event in order, and the final `done` payload. */
async function chatStream(user: LiveUser, message: string, conversationId?: string) {
  const res = await t.fetchAs(user, '/api/v1/chat/stream', {
    body: { message, ...(conversationId ? { conversation_id: conversationId } : {}) },
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const events = (await res.text())
    .split('\n\n')
    .filter(Boolean)
    .map((block) => {
      const event = /^event: (.*)$/m.exec(block)?.[1] ?? '';
      const data = JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? 'null') as Record<string, unknown>;
      return { event, data };
    });
  const done = events.find((e) => e.event === 'done');
  expect(done, JSON.stringify(events)).toBeDefined();
  return { events, done: done!.data as unknown as ChatReply };
}

async function tasksOf(user: LiveUser, query = '') {
  const res = await t.fetchAs(user, `/api/v1/tasks${query}`);
  return ((await res.json()) as { items: Array<{ id: number; title: string; completed: boolean }> }).items;
}

const listing = (ctx: StepContext) => (ctx.result('list_tasks') ?? []) as Array<{ id: number; title: string; completed: boolean }>;
const bullets = (items: Array<{ id: number; title: string }>) => items.map((i) => `- ${i.title} (task ${i.id})`).join('\n');

describe('the challenge examples', () => {
  let conversation: string;

  it('"Add a task to buy groceries" → add_task, confirmed, stored, same events as the REST API', async () => {
    model.script('Add a task to buy groceries', [
      { tool: 'add_task', arguments: { title: 'Buy groceries' } },
      (ctx) => {
        const r = ctx.result('add_task') as { task_id: number; title: string };
        return { text: `Added "${r.title}" (task ${r.task_id}).` };
      },
    ]);
    const reply = await chat(ada, 'Add a task to buy groceries');
    conversation = reply.conversation_id;
    const [task] = await tasksOf(ada);
    expect(task).toMatchObject({ title: 'Buy groceries', completed: false });
    expect(reply.response).toBe(`Added "Buy groceries" (task ${task!.id}).`);
    expect(reply.tool_calls).toEqual([
      {
        name: 'add_task',
        arguments: { title: 'Buy groceries' },
        result: { task_id: task!.id, status: 'created', title: 'Buy groceries' },
        is_error: false,
        task_ids: [task!.id],
      },
    ]);
    // the non-streamed endpoint made non-streamed model calls, with the tools
    expect(model.requests.at(-1)).toMatchObject({ stream: false, model: 'scripted-model' });
    const history = await eventually(async () => {
      const body = (await (await t.fetchAs(ada, `/api/v1/tasks/${task!.id}/history`)).json()) as { items: unknown[] };
      return body.items.length ? body.items : null;
    });
    expect(history).toEqual([expect.objectContaining({ event_type: 'created' })]);
  });

  it('"I need to remember to pay bills" → a task, in the same conversation (history reaches the model)', async () => {
    model.script('I need to remember to pay bills', [
      { tool: 'add_task', arguments: { title: 'Pay bills' } },
      (ctx) => ({ text: `Added "Pay bills" (task ${(ctx.result('add_task') as { task_id: number }).task_id}).` }),
    ]);
    const { events, done } = await chatStream(ada, 'I need to remember to pay bills', conversation);
    expect(done.conversation_id).toBe(conversation);
    expect(events[0]).toEqual({ event: 'conversation', data: { type: 'conversation', conversation_id: conversation } });
    expect(events.filter((e) => e.event === 'text').length).toBeGreaterThan(1);
    expect(
      events
        .filter((e) => e.event === 'text')
        .map((e) => e.data.delta)
        .join(''),
    ).toBe(done.response);
    expect(events.find((e) => e.event === 'tool_call')?.data).toMatchObject({
      call: { name: 'add_task', result: { status: 'created', title: 'Pay bills' } },
    });
    const last = model.requests.at(-1)!;
    expect(last.stream).toBe(true);
    const said = last.messages.map((m) => `${m.role}:${textOf(m.content)}`);
    expect(said).toEqual(
      expect.arrayContaining(['user:Add a task to buy groceries', expect.stringMatching(/^assistant:Added "Buy groceries"/)]),
    );
    expect((await tasksOf(ada)).map((x) => x.title).sort()).toEqual(['Buy groceries', 'Pay bills']);
  });

  it('"Show me all my tasks" and "What\'s pending?" → list_tasks', async () => {
    await t.fetchAs(ada, '/api/v1/tasks', { body: { title: 'Call the plumber' } });
    await t.fetchAs(ada, '/api/v1/tasks', { body: { title: 'Team meeting prep' } });
    model.script('Show me all my tasks', [
      { tool: 'list_tasks', arguments: { status: 'all' } },
      (ctx) => ({ text: `Your tasks:\n${bullets(listing(ctx))}` }),
    ]);
    model.script("What's pending?", [
      { tool: 'list_tasks', arguments: { status: 'pending' } },
      (ctx) => ({ text: `Pending:\n${bullets(listing(ctx))}` }),
    ]);
    const all = await chat(ada, 'Show me all my tasks', conversation);
    for (const title of ['Buy groceries', 'Pay bills', 'Call the plumber', 'Team meeting prep']) expect(all.response).toContain(title);
    const pending = await chatStream(ada, "What's pending?", conversation);
    expect(pending.done.response).toMatch(/^Pending:/);
    expect(pending.done.tool_calls[0]).toMatchObject({ name: 'list_tasks', arguments: { status: 'pending' } });
    expect((pending.done.tool_calls[0]!.result as unknown[]).length).toBe(4);
  });

  // Ada's tasks by creation: on a fresh database they are tasks 1, 2, 3…, so the messages are
  // exactly the challenge's ("Mark task 3 as complete"); on a shared PostgreSQL the ids differ.
  const nth = async (n: number) => (await tasksOf(ada, '?sort=created&order=asc'))[n - 1]!.id;
  let third = 3;
  let first = 1;

  it('"Mark task 3 as complete" → complete_task 3', async () => {
    third = await nth(3);
    first = await nth(1);
    if (!usingPostgres) expect([first, third]).toEqual([1, 3]);
    model.script(`Mark task ${third} as complete`, [
      { tool: 'complete_task', arguments: { task_id: third } },
      (ctx) => ({ text: `Done: "${(ctx.result('complete_task') as { title: string }).title}" is complete.` }),
    ]);
    const reply = await chat(ada, `Mark task ${third} as complete`, conversation);
    expect(reply.tool_calls[0]).toMatchObject({
      name: 'complete_task',
      result: { task_id: third, status: 'completed' },
      task_ids: [third],
    });
    expect((await tasksOf(ada, '?status=completed')).map((x) => x.id)).toEqual([third]);
  });

  it('"Delete the meeting task" → lists first, deletes the match; a second time says it was not found', async () => {
    const deleteMeeting = [
      { tool: 'list_tasks', arguments: {} },
      (ctx: StepContext) => {
        const match = listing(ctx).find((x) => /meeting/i.test(x.title));
        return match
          ? { tool: 'delete_task', arguments: { task_id: match.id } }
          : { text: 'I could not find a task about a meeting, so nothing was deleted.' };
      },
      (ctx: StepContext) => ({ text: `Deleted "${(ctx.result('delete_task') as { title: string }).title}".` }),
    ];
    model.script('Delete the meeting task', deleteMeeting);
    const meeting = (await tasksOf(ada)).find((x) => x.title === 'Team meeting prep')!;
    const reply = await chatStream(ada, 'Delete the meeting task', conversation);
    expect(reply.done.tool_calls.map((c) => c.name)).toEqual(['list_tasks', 'delete_task']);
    expect(reply.done.tool_calls[1]).toMatchObject({
      arguments: { task_id: meeting.id },
      result: { status: 'deleted', title: 'Team meeting prep' },
    });
    expect(reply.done.response).toBe('Deleted "Team meeting prep".');
    expect((await tasksOf(ada)).map((x) => x.title)).not.toContain('Team meeting prep');

    const again = await chat(ada, 'Delete the meeting task', conversation);
    expect(again.tool_calls.map((c) => c.name)).toEqual(['list_tasks']);
    expect(again.response).toMatch(/could not find/);
  });

  it('"Change task 1 to \'Call mom tonight\'" → update_task 1', async () => {
    model.script(`Change task ${first} to 'Call mom tonight'`, [
      { tool: 'update_task', arguments: { task_id: first, title: 'Call mom tonight' } },
      (ctx) => ({ text: `Renamed task ${first} to "${(ctx.result('update_task') as { title: string }).title}".` }),
    ]);
    const reply = await chat(ada, `Change task ${first} to 'Call mom tonight'`, conversation);
    expect(reply.tool_calls[0]).toMatchObject({ result: { task_id: first, status: 'updated', title: 'Call mom tonight' } });
    expect((await tasksOf(ada)).find((x) => x.id === first)?.title).toBe('Call mom tonight');
  });

  it('"What have I completed?" → list_tasks completed', async () => {
    model.script('What have I completed?', [
      { tool: 'list_tasks', arguments: { status: 'completed' } },
      (ctx) => ({ text: `Completed:\n${bullets(listing(ctx))}` }),
    ]);
    const reply = await chatStream(ada, 'What have I completed?', conversation);
    expect(reply.done.tool_calls[0]!.result).toEqual([{ id: third, title: 'Call the plumber', completed: true }]);
    expect(reply.done.response).toBe(`Completed:\n- Call the plumber (task ${third})`);
  });

  it('the conversation keeps every turn, in order, with its tool calls', async () => {
    const res = await t.fetchAs(ada, `/api/v1/conversations/${conversation}`);
    const body = (await res.json()) as { title: string; messages: Array<{ role: string; content: string; tool_calls: unknown[] }> };
    expect(body.title).toBe('Add a task to buy groceries');
    expect(body.messages.filter((m) => m.role === 'user').map((m) => m.content)).toEqual([
      'Add a task to buy groceries',
      'I need to remember to pay bills',
      'Show me all my tasks',
      "What's pending?",
      `Mark task ${third} as complete`,
      'Delete the meeting task',
      'Delete the meeting task',
      `Change task ${first} to 'Call mom tonight'`,
      'What have I completed?',
    ]);
    expect(body.messages.length).toBe(18);
    expect(body.messages[1]).toMatchObject({ role: 'assistant', tool_calls: [expect.objectContaining({ name: 'add_task' })] });
  });
});

describe('isolation', () => {
  it("a model that names another user's user_id changes nothing", async () => {
    const bobsBefore = await tasksOf(bob);
    model.script('Add milk to the list', [
      { tool: 'add_task', arguments: { user_id: bob.id, title: 'Milk' } },
      (ctx) => ({ text: `That did not work: ${ctx.results[0]!.text}` }),
    ]);
    const reply = await chat(ada, 'Add milk to the list');
    expect(reply.tool_calls[0]).toMatchObject({ name: 'add_task', is_error: true, task_ids: [] });
    expect(reply.response).toMatch(/user_id is not the signed-in user/);
    expect(await tasksOf(bob)).toEqual(bobsBefore);
    expect((await tasksOf(ada)).map((x) => x.title)).not.toContain('Milk');
  });

  it("a model that names another user's task id changes nothing", async () => {
    const res = await t.fetchAs(bob, '/api/v1/tasks', { body: { title: 'Bob secret' } });
    const bobs = ((await res.json()) as { id: number }).id;
    model.script('Finish and remove that one', [
      {
        tools: [
          { tool: 'complete_task', arguments: { task_id: bobs } },
          { tool: 'delete_task', arguments: { task_id: bobs } },
        ],
      },
      (ctx) => ({ text: ctx.results.map((r) => r.text).join(' ') }),
    ]);
    const reply = await chat(ada, 'Finish and remove that one');
    expect(reply.tool_calls.map((c) => [c.name, c.is_error])).toEqual([
      ['complete_task', true],
      ['delete_task', true],
    ]);
    expect(reply.response).toBe(`Task ${bobs} was not found. Task ${bobs} was not found.`);
    expect((await tasksOf(bob)).find((x) => x.id === bobs)).toMatchObject({ title: 'Bob secret', completed: false });
  });

  it("user B's token never reaches A's conversations", async () => {
    const mine = (await (await t.fetchAs(ada, '/api/v1/conversations')).json()) as { items: Array<{ id: string }> };
    const id = mine.items[0]!.id;
    expect((await t.fetchAs(bob, `/api/v1/conversations/${id}`)).status).toBe(404);
    expect((await t.fetchAs(bob, `/api/v1/conversations/${id}`, { method: 'PATCH', body: { title: 'x' } })).status).toBe(404);
    expect((await t.fetchAs(bob, `/api/v1/conversations/${id}`, { method: 'DELETE' })).status).toBe(404);
    const requestsBefore = model.requests.length;
    expect((await t.fetchAs(bob, `/api/${bob.id}/chat`, { body: { conversation_id: id, message: 'Show me all my tasks' } })).status).toBe(
      404,
    );
    expect((await t.fetchAs(bob, '/api/v1/chat/stream', { body: { conversation_id: id, message: 'Show me all my tasks' } })).status).toBe(
      404,
    );
    expect((await t.fetchAs(bob, `/api/${ada.id}/chat`, { body: { message: 'Show me all my tasks' } })).status).toBe(403);
    expect(model.requests.length).toBe(requestsBefore);
    expect(((await (await t.fetchAs(bob, '/api/v1/conversations')).json()) as { items: unknown[] }).items).toEqual([]);
    const still = (await (await t.fetchAs(ada, `/api/v1/conversations/${id}`)).json()) as { messages: unknown[] };
    expect(still.messages.length).toBeGreaterThan(0);
  });

  it('without credentials: chat and conversations are 401', async () => {
    expect((await t.fetchAs(null, `/api/${ada.id}/chat`, { body: { message: 'hi' } })).status).toBe(401);
    expect((await t.fetchAs(null, '/api/v1/conversations')).status).toBe(401);
  });
});

describe('conversations', () => {
  it('list, rename, delete', async () => {
    model.script('Hello', [{ text: 'Hello! What shall we do?' }]);
    const first = await chat(bob, 'Hello');
    const second = await chat(bob, 'Hello');
    const list = (await (await t.fetchAs(bob, '/api/v1/conversations')).json()) as { items: Array<{ id: string; title: string }> };
    expect(list.items.map((c) => c.id)).toEqual([second.conversation_id, first.conversation_id]);
    const renamed = await t.fetchAs(bob, `/api/v1/conversations/${first.conversation_id}`, {
      method: 'PATCH',
      body: { title: 'Greetings' },
    });
    expect(await renamed.json()).toMatchObject({ id: first.conversation_id, title: 'Greetings' });
    expect((await t.fetchAs(bob, `/api/v1/conversations/${second.conversation_id}`, { method: 'DELETE' })).status).toBe(204);
    const after = (await (await t.fetchAs(bob, '/api/v1/conversations')).json()) as { items: Array<{ id: string; title: string }> };
    expect(after.items).toEqual([expect.objectContaining({ id: first.conversation_id, title: 'Greetings' })]);
    expect((await t.fetchAs(bob, `/api/v1/conversations/${second.conversation_id}`)).status).toBe(404);
  });

  it('an unknown conversation id is a 404 and reaches no model', async () => {
    const before = model.requests.length;
    const res = await t.fetchAs(ada, '/api/v1/chat', {
      body: { conversation_id: '00000000-0000-4000-8000-000000000000', message: 'Hello' },
    });
    expect(res.status).toBe(404);
    expect(model.requests.length).toBe(before);
  });
});
