import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { Consumer, Envelope } from '../../src/app/consumer.js';
import { subscriptionRoutes } from '../../src/adapters/dapr/inbound.js';
import { initTracing } from '../../src/observability/tracing.js';

initTracing({ serviceName: 'kairos-test', role: 'notifier', version: 'test' }); // W3C propagation, no exporter

const reminder = (over: Record<string, unknown> = {}) => ({
  event_id: randomUUID(),
  schema_version: 1,
  task_id: 7,
  title: 'Stretch',
  due_at: null,
  remind_at: '2026-11-24T10:00:00Z',
  user_id: 'u1',
  timestamp: '2026-11-24T10:00:00Z',
  ...over,
});
const entry = (data: unknown, seq = 1) => ({
  entryId: randomUUID(),
  contentType: 'application/cloudevents+json',
  event: { id: randomUUID(), data, kairosseq: String(seq), traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01` },
});

async function serve(consumer: Consumer) {
  const outcomes: string[] = [];
  const app = Fastify();
  await app.register(subscriptionRoutes, {
    consumers: [consumer],
    observe: (_name, _topic, outcome) => void outcomes.push(outcome),
    logger: pino({ level: 'silent' }),
  });
  const bulk = (entries: unknown[]) =>
    app.inject({ method: 'POST', url: '/events/reminders/bulk', payload: { id: 'b1', type: 'com.dapr.event.sent.bulk', entries } });
  return { app, bulk, outcomes };
}

describe('bulk subscription route', () => {
  it('handles the valid entries together and dead-letters the invalid one', async () => {
    const batches: Envelope<unknown>[][] = [];
    const { app, bulk, outcomes } = await serve({
      name: 'notifier',
      topic: 'reminders',
      handle: async () => expect.fail('a bulk delivery uses handleBatch'),
      handleBatch: async (events) => void batches.push(events),
    });
    const good = [entry(reminder(), 11), entry(reminder({ task_id: 8 }), 12)];
    const poison = entry({ title: 42 });
    const res = await bulk([good[0], poison, good[1]]);
    expect(res.statusCode).toBe(200);
    const statuses = new Map(res.json().statuses.map((s: { entryId: string; status: string }) => [s.entryId, s.status]));
    expect(statuses).toEqual(
      new Map([
        [good[0]!.entryId, 'SUCCESS'],
        [poison.entryId, 'DROP'],
        [good[1]!.entryId, 'SUCCESS'],
      ]),
    );
    expect(batches).toHaveLength(1);
    expect(batches[0]!.map((e) => [(e.data as { task_id: number }).task_id, e.seq])).toEqual([
      [7, 11],
      [8, 12],
    ]);
    // each event is handled in a span of its own trace (the CloudEvent's traceparent)
    for (const e of batches[0]!) expect(e.traceparent).toMatch(new RegExp(`^00-${'a'.repeat(32)}-[0-9a-f]{16}-01$`));
    expect(outcomes.sort()).toEqual(['dead_lettered', 'ok', 'ok']);
    await app.close();
  });

  it('asks Dapr to retry every valid entry when the batch fails', async () => {
    const { app, bulk, outcomes } = await serve({
      name: 'notifier',
      topic: 'reminders',
      handle: async () => {},
      handleBatch: async () => {
        throw new Error('database unavailable');
      },
    });
    const res = await bulk([entry(reminder()), entry(reminder())]);
    expect(res.statusCode).toBe(200);
    expect(res.json().statuses.map((s: { status: string }) => s.status)).toEqual(['RETRY', 'RETRY']);
    expect(outcomes).toEqual(['retried', 'retried']);
    await app.close();
  });

  it('falls back to one handle call per event for consumers without handleBatch', async () => {
    const seen: number[] = [];
    const { app, bulk } = await serve({
      name: 'notifier',
      topic: 'reminders',
      handle: async (e) => void seen.push((e.data as { task_id: number }).task_id),
    });
    const res = await bulk([entry(reminder({ task_id: 1 })), entry(reminder({ task_id: 2 }))]);
    expect(res.json().statuses.map((s: { status: string }) => s.status)).toEqual(['SUCCESS', 'SUCCESS']);
    expect(seen).toEqual([1, 2]);
    await app.close();
  });

  it('answers an empty or malformed delivery with no statuses', async () => {
    const { app, bulk } = await serve({ name: 'notifier', topic: 'reminders', handle: async () => {} });
    expect((await bulk([])).json()).toEqual({ statuses: [] });
    expect((await bulk([{ event: {} }])).json()).toEqual({ statuses: [] });
    await app.close();
  });
});
