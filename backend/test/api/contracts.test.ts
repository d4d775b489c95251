/**
 * The web app is built against web/lib/api/openapi.json and the types generated from it.
 * This fails when they are stale (a route or schema changed without `npm run contracts`),
 * and when the realtime WebSocket sends a message its contract does not describe.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { realtimeMessageSchema } from '../../src/http/realtime-messages.js';
import { staleContractFiles } from '../../scripts/write-openapi.js';
import { eventually, startTestApp, type TestApp, type TestUser } from './harness.js';

describe('the API contract the web app is built against', () => {
  it('is up to date with the routes and schemas the backend serves (else: npm run contracts)', { timeout: 180_000 }, async () => {
    expect(await staleContractFiles()).toEqual([]);
  });
});

describe('the realtime WebSocket', () => {
  let t: TestApp;
  let base: string;
  let user: TestUser;
  beforeAll(async () => {
    t = await startTestApp();
    base = (await t.app.listen({ port: 0, host: '127.0.0.1' })).replace('http', 'ws');
    user = await t.signUp('contract');
  });
  afterAll(() => t.stop());

  it('sends only messages its contract describes, each field as described', async () => {
    const ws = new WebSocket(`${base}/ws?token=${user.token}`);
    const raw: unknown[] = [];
    ws.on('message', (data) => raw.push(JSON.parse(String(data))));
    const types = () => raw.map((m) => (m as { type: string }).type);
    await eventually(async () => types().includes('hello'));

    const remindAt = new Date(Date.now() + 1000);
    const created = await t.as(user, {
      method: 'POST',
      url: '/api/v1/tasks',
      payload: {
        text: 'Water the plants every day #home !high',
        due_at: new Date(remindAt.getTime() + 60_000).toISOString(),
        reminders: [{ at: remindAt.toISOString() }],
      },
    });
    expect(created.statusCode).toBe(201);
    const id = created.json().id as number;
    await t.as(user, { method: 'PATCH', url: `/api/v1/tasks/${id}`, payload: { description: 'The ferns too' } });
    await eventually(async () => types().includes('notification'), 10_000);
    await t.as(user, { method: 'POST', url: `/api/v1/tasks/${id}/complete` });
    await t.as(user, { method: 'DELETE', url: `/api/v1/tasks/${id}` });
    await eventually(async () => types().includes('task.deleted'));
    ws.close();

    expect(new Set(types())).toEqual(new Set(['hello', 'task.created', 'task.updated', 'task.completed', 'task.deleted', 'notification']));
    for (const message of raw) {
      const parsed = realtimeMessageSchema.safeParse(message);
      expect(parsed.error?.issues ?? [], JSON.stringify(message)).toEqual([]);
      // Parsing drops fields the schema does not name: a field missing from the contract shows here.
      expect(parsed.data).toEqual(message);
    }
  });
});
