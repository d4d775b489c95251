import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../api/harness.js';
import { startLiveApp, toolOutput, type LiveApp, type LiveUser } from './harness.js';

let t: LiveApp;
let ada: LiveUser;
let bob: LiveUser;
beforeAll(async () => {
  t = await startLiveApp();
  ada = await t.signUp('ada');
  bob = await t.signUp('bob');
});
afterAll(() => t.stop());

const call = async (user: LiveUser, name: string, args: Record<string, unknown>) => {
  const client = await t.mcp(user.token);
  try {
    return toolOutput(await client.callTool({ name, arguments: args }));
  } finally {
    await client.close();
  }
};

describe('MCP server: the challenge tools', () => {
  it('lists every tool with input and output schemas', async () => {
    const client = await t.mcp(ada.token);
    const { tools } = await client.listTools();
    await client.close();
    expect(tools.map((x) => x.name)).toEqual([
      'add_task',
      'list_tasks',
      'complete_task',
      'delete_task',
      'update_task',
      'quick_add_task',
      'search_tasks',
      'due_tasks',
      'get_task',
      'reopen_task',
      'list_tags',
      'set_due',
      'set_priority',
      'set_tags',
      'set_recurrence',
      'set_reminders',
    ]);
    for (const tool of tools) {
      expect(tool.inputSchema.type).toBe('object');
      expect(tool.outputSchema?.type, tool.name).toBe('object');
      expect(tool.inputSchema.properties, tool.name).toHaveProperty('user_id');
    }
    const add = tools.find((x) => x.name === 'add_task')!;
    expect(add.inputSchema.required).toEqual(['title']);
    expect(Object.keys(add.inputSchema.properties ?? {})).toEqual(['user_id', 'title', 'description']);
  });

  it('add_task, list_tasks, update_task, complete_task, delete_task: the challenge results', async () => {
    const added = await call(ada, 'add_task', { user_id: ada.id, title: 'Buy groceries', description: 'milk' });
    expect(added.isError).toBe(false);
    const id = (added.json as { task_id: number }).task_id;
    expect(added.json).toEqual({ task_id: id, status: 'created', title: 'Buy groceries' });

    expect((await call(ada, 'list_tasks', { user_id: ada.id, status: 'pending' })).json).toContainEqual({
      id,
      title: 'Buy groceries',
      completed: false,
    });
    expect((await call(ada, 'update_task', { user_id: ada.id, task_id: id, title: 'Buy fruit' })).json).toEqual({
      task_id: id,
      status: 'updated',
      title: 'Buy fruit',
    });
    expect((await call(ada, 'complete_task', { user_id: ada.id, task_id: id })).json).toEqual({
      task_id: id,
      status: 'completed',
      title: 'Buy fruit',
    });
    expect((await call(ada, 'list_tasks', { status: 'completed' })).json).toContainEqual({ id, title: 'Buy fruit', completed: true });
    expect((await call(ada, 'delete_task', { user_id: ada.id, task_id: id })).json).toEqual({
      task_id: id,
      status: 'deleted',
      title: 'Buy fruit',
    });
    const again = await call(ada, 'delete_task', { task_id: id });
    expect(again).toMatchObject({ isError: true, text: `Task ${id} was not found.` });
  });

  it('changes made through MCP produce the same events (history through the audit consumer)', async () => {
    const id = ((await call(ada, 'add_task', { title: 'Audited' })).json as { task_id: number }).task_id;
    await call(ada, 'complete_task', { task_id: id });
    const history = await eventually(async () => {
      const res = await t.fetchAs(ada, `/api/v1/tasks/${id}/history`);
      const body = (await res.json()) as { items: Array<{ event_type: string }> };
      return body.items.length >= 2 ? body.items : null;
    });
    expect(history.map((h) => h.event_type).sort()).toEqual(['completed', 'created']);
  });
});

describe('MCP server: Kairos tools', () => {
  it('quick_add_task reads due, reminders, tags and priority; nonsense is an error', async () => {
    const res = await call(ada, 'quick_add_task', {
      text: 'Pay bills tomorrow 5pm remind me 30 minutes before #home !high',
      time_zone: 'Europe/Berlin',
    });
    expect(res.isError).toBe(false);
    expect(res.json).toMatchObject({
      title: 'Pay bills',
      tags: ['home'],
      priority: 'high',
      reminders: [{ minutes_before: 30 }],
      time_zone: 'Europe/Berlin',
    });
    const bad = await call(ada, 'quick_add_task', { text: 'Stretch every 0 days' });
    expect(bad.isError).toBe(true);
    expect(bad.text).toContain('INTERVAL=0');
  });

  it('search_tasks filters like the list API; set_* change fields; due_tasks finds what is due today and overdue', async () => {
    const id = ((await call(ada, 'add_task', { title: 'Team meeting notes' })).json as { task_id: number }).task_id;
    const due = new Date(Date.now() + 60 * 60_000).toISOString();
    expect((await call(ada, 'set_due', { task_id: id, due_at: due, time_zone: 'UTC' })).json).toMatchObject({ id, due_at: due });
    expect((await call(ada, 'set_priority', { task_id: id, priority: 'high' })).json).toMatchObject({ priority: 'high' });
    expect((await call(ada, 'set_tags', { task_id: id, tags: ['Work', 'meetings'] })).json).toMatchObject({ tags: ['work', 'meetings'] });
    expect((await call(ada, 'set_reminders', { task_id: id, reminders: [{ minutes_before: 10 }] })).json).toMatchObject({
      reminders: [{ minutes_before: 10 }],
    });
    expect((await call(ada, 'set_recurrence', { task_id: id, recurrence: { rule: 'FREQ=WEEKLY;BYDAY=MO' } })).json).toMatchObject({
      recurrence: { rule: 'FREQ=WEEKLY;BYDAY=MO', mode: 'due' },
    });
    const badRule = await call(ada, 'set_recurrence', { task_id: id, recurrence: { rule: 'FREQ=HOURLY' } });
    expect(badRule.isError).toBe(true);

    const found = (await call(ada, 'search_tasks', { q: 'meet', tags: ['work'], priority: ['high'] })).json as {
      items: Array<{ id: number }>;
    };
    expect(found.items.map((x) => x.id)).toEqual([id]);
    const today = (await call(ada, 'due_tasks', { when: 'today_and_overdue', time_zone: 'UTC' })).json as { items: Array<{ id: number }> };
    if (new Date(due).getUTCDate() === new Date().getUTCDate()) expect(today.items.map((x) => x.id)).toContain(id);
    const overdueId = ((await call(ada, 'quick_add_task', { text: 'Old thing' })).json as { id: number }).id;
    await call(ada, 'set_due', { task_id: overdueId, due_at: '2020-01-01T09:00:00Z' });
    const overdue = (await call(ada, 'due_tasks', { when: 'overdue' })).json as { items: Array<{ id: number }> };
    expect(overdue.items.map((x) => x.id)).toEqual([overdueId]);

    expect((await call(ada, 'list_tags', {})).json).toMatchObject({ items: expect.arrayContaining([{ tag: 'work', count: 1, open: 1 }]) });
    await call(ada, 'complete_task', { task_id: overdueId });
    expect((await call(ada, 'reopen_task', { task_id: overdueId })).json).toMatchObject({ id: overdueId, completed: false });
    expect((await call(ada, 'get_task', { task_id: overdueId })).json).toMatchObject({ id: overdueId, title: 'Old thing' });
  });
});

describe('MCP server: the caller is the token', () => {
  it('without a token → 401 with a Bearer challenge', async () => {
    const res = await fetch(`${t.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    await expect(t.mcp(null)).rejects.toThrow();
    await expect(t.mcp('not-a-token')).rejects.toThrow();
  });

  it("a user_id that is not the token's user is refused and changes nothing", async () => {
    const before = (await call(bob, 'list_tasks', {})).json as unknown[];
    const res = await call(ada, 'add_task', { user_id: bob.id, title: 'Sneaky' });
    expect(res).toMatchObject({ isError: true });
    expect(res.text).toMatch(/user_id is not the signed-in user/);
    expect((await call(ada, 'list_tasks', { user_id: bob.id })).isError).toBe(true);
    expect((await call(bob, 'list_tasks', {})).json).toEqual(before);
    expect(((await call(ada, 'search_tasks', { q: 'Sneaky' })).json as { items: unknown[] }).items).toEqual([]);
  });

  it("another user's task id is not found and stays unchanged", async () => {
    const bobs = ((await call(bob, 'add_task', { title: 'Bob private' })).json as { task_id: number }).task_id;
    for (const [name, args] of [
      ['complete_task', { task_id: bobs }],
      ['delete_task', { task_id: bobs }],
      ['update_task', { task_id: bobs, title: 'Hijacked' }],
      ['set_priority', { task_id: bobs, priority: 'high' }],
      ['get_task', { task_id: bobs }],
    ] as const) {
      const res = await call(ada, name, args);
      expect(res, name).toMatchObject({ isError: true, text: `Task ${bobs} was not found.` });
    }
    expect((await call(bob, 'get_task', { task_id: bobs })).json).toMatchObject({
      title: 'Bob private',
      completed: false,
      priority: 'none',
    });
  });

  it('personal access tokens: created once, used as bearer, listed, revoked at once', async () => {
    const created = await t.fetchAs(ada, '/api/v1/tokens', { body: { name: 'Desktop assistant' } });
    expect(created.status).toBe(201);
    const pat = (await created.json()) as { id: number; token: string; prefix: string };
    expect(pat.token).toMatch(/^kairos_pat_/);
    expect(pat.token.startsWith(pat.prefix)).toBe(true);

    const viaPat = toolOutput(await (await t.mcp(pat.token)).callTool({ name: 'add_task', arguments: { title: 'From desktop' } }));
    expect(viaPat.json).toMatchObject({ status: 'created', title: 'From desktop' });

    const list = (await (await t.fetchAs(ada, '/api/v1/tokens')).json()) as { items: Array<Record<string, unknown>> };
    expect(list.items).toEqual([expect.objectContaining({ id: pat.id, name: 'Desktop assistant', prefix: pat.prefix })]);
    expect(JSON.stringify(list)).not.toContain(pat.token);
    expect((await t.fetchAs(bob, `/api/v1/tokens/${pat.id}`, { method: 'DELETE' })).status).toBe(404);

    expect((await t.fetchAs(ada, `/api/v1/tokens/${pat.id}`, { method: 'DELETE' })).status).toBe(204);
    await expect(t.mcp(pat.token)).rejects.toThrow();
    const rest = await fetch(`${t.url}/api/v1/tasks`, { headers: { authorization: `Bearer ${pat.token}` } });
    expect(rest.status).toBe(401);
  });
});
