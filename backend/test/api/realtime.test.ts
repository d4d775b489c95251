import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestApp, type TestApp, type TestUser } from './harness.js';

let t: TestApp;
let base: string;
let a: TestUser;
let b: TestUser;

beforeAll(async () => {
  t = await startTestApp();
  const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = address.replace('http', 'ws');
  [a, b] = [await t.signUp('wsa'), await t.signUp('wsb')];
});
afterAll(() => t.stop());

interface Msg {
  type: string;
  id?: string;
  last_id?: string;
  task?: { id: number; title: string };
}

function connect(user: TestUser, after?: string) {
  const ws = new WebSocket(`${base}/ws?token=${user.token}${after ? `&after=${after}` : ''}`);
  const messages: Msg[] = [];
  ws.on('message', (raw) => messages.push(JSON.parse(String(raw))));
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('error', reject);
    const poll = setInterval(() => {
      if (messages.some((m) => m.type === 'hello')) {
        clearInterval(poll);
        resolve();
      }
    }, 10);
  });
  return { ws, messages, opened };
}

async function waitFor(messages: Msg[], pred: (m: Msg) => boolean, ms = 3000): Promise<Msg> {
  const deadline = Date.now() + ms;
  for (;;) {
    const m = messages.find(pred);
    if (m) return m;
    if (Date.now() > deadline) throw new Error(`no matching message in ${ms} ms; got ${JSON.stringify(messages)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('realtime WebSocket', () => {
  it('refuses a connection without a valid token', async () => {
    const ws = new WebSocket(`${base}/ws?token=nope`);
    const status = await new Promise<number>((resolve) => ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    expect(status).toBe(401);
  });

  it("pushes a user's updates to every one of their clients and to nobody else", async () => {
    const a1 = connect(a);
    const a2 = connect(a);
    const b1 = connect(b);
    await Promise.all([a1.opened, a2.opened, b1.opened]);
    const task = (await t.as(a, { method: 'POST', url: '/api/v1/tasks', payload: { title: 'Broadcast me' } })).json();
    for (const c of [a1, a2]) {
      const m = await waitFor(c.messages, (x) => x.type === 'task.created' && x.task?.id === task.id);
      expect(m.task?.title).toBe('Broadcast me');
      expect(Number(m.id)).toBeGreaterThan(0);
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(b1.messages.filter((m) => m.type !== 'hello' && m.type !== 'ping')).toEqual([]);
    for (const c of [a1, a2, b1]) c.ws.close();
  });

  it('a client that reconnects with its last event id receives exactly what it missed', async () => {
    const c = connect(a);
    await c.opened;
    const first = (await t.as(a, { method: 'POST', url: '/api/v1/tasks', payload: { title: 'Seen live' } })).json();
    const live = await waitFor(c.messages, (x) => x.task?.id === first.id);
    c.ws.close();
    await new Promise((r) => setTimeout(r, 100));
    const missed = [];
    for (const title of ['Missed 1', 'Missed 2'])
      missed.push((await t.as(a, { method: 'POST', url: '/api/v1/tasks', payload: { title } })).json());
    await t.as(a, { method: 'PATCH', url: `/api/v1/tasks/${missed[0].id}`, payload: { priority: 'high' } });
    await new Promise((r) => setTimeout(r, 300)); // let the relay publish them

    const again = connect(a, live.id);
    await again.opened;
    const replayed = again.messages.filter((m) => m.type.startsWith('task.'));
    expect(replayed.map((m) => [m.type, m.task?.title])).toEqual([
      ['task.created', 'Missed 1'],
      ['task.created', 'Missed 2'],
      ['task.updated', 'Missed 1'],
    ]);
    const ids = replayed.map((m) => Number(m.id));
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
    expect(ids[0]).toBeGreaterThan(Number(live.id));
    again.ws.close();
  });
});
