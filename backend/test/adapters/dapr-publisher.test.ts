import { describe, expect, it } from 'vitest';
import { createDaprPublisher } from '../../src/adapters/dapr/publisher.js';
import { DaprError, type DaprSidecar } from '../../src/adapters/dapr/sidecar.js';

function fakeSidecar(answer: (path: string, body: unknown) => void) {
  const calls: { method: string; path: string; body: unknown; headers?: Record<string, string> }[] = [];
  const dapr = {
    async request(method: string, path: string, o: { body?: unknown; headers?: Record<string, string> } = {}) {
      calls.push({ method, path, body: o.body, headers: o.headers });
      answer(path, o.body);
      return new Response(null, { status: 204 });
    },
  } as unknown as DaprSidecar;
  return { dapr, calls };
}

const events = [
  {
    id: 'a',
    type: 'task.created',
    data: { n: 1 },
    seq: 7,
    key: 'user-1',
    traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
  },
  { id: 'b', type: 'task.updated', data: { n: 2 }, seq: 8, key: 'user-2' },
];

describe('Dapr bulk publisher', () => {
  it('sends one bulk request per topic: CloudEvents keyed by user, with seq and trace context', async () => {
    const { dapr, calls } = fakeSidecar(() => {});
    expect(await createDaprPublisher(dapr, 'kairos-api')('task-events', events)).toEqual({ failed: [] });
    expect(calls).toHaveLength(1);
    expect(calls[0]!.path).toBe('/v1.0-alpha1/publish/bulk/kairos-pubsub/task-events');
    const [first, second] = calls[0]!.body as { entryId: string; event: Record<string, unknown>; metadata?: Record<string, string> }[];
    expect(first).toMatchObject({
      entryId: 'a',
      contentType: 'application/cloudevents+json',
      metadata: { partitionKey: 'user-1' },
      event: { id: 'a', source: 'kairos-api', kairosseq: '7', traceparent: events[0]!.traceparent, traceid: events[0]!.traceparent },
    });
    expect(second!.event).not.toHaveProperty('traceparent');
  });

  it("sends the batch's own trace context as the request's traceparent (none when it has none)", async () => {
    const { dapr, calls } = fakeSidecar(() => {});
    const batch = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    await createDaprPublisher(dapr, 'kairos-api')('task-events', events, { traceparent: batch });
    await createDaprPublisher(dapr, 'kairos-api')('task-events', events);
    expect(calls[0]!.headers).toEqual({ traceparent: batch });
    expect(calls[1]!.headers).toBeUndefined();
  });

  it('reports the entries Dapr lists as failed; the others count as published', async () => {
    const { dapr } = fakeSidecar(() => {
      throw new DaprError(500, 'ERR_PUBSUB_PUBLISH_MESSAGE', 'partial', JSON.stringify({ failedEntries: [{ entryId: 'b', error: 'x' }] }));
    });
    expect(await createDaprPublisher(dapr, 'kairos-api')('task-events', events)).toEqual({ failed: ['b'] });
  });

  it('rejects when the whole batch failed, or the sidecar gave no usable answer', async () => {
    const all = fakeSidecar(() => {
      throw new DaprError(500, 'ERR', 'all', JSON.stringify({ failedEntries: [{ entryId: 'a' }, { entryId: 'b' }] }));
    });
    await expect(createDaprPublisher(all.dapr, 's')('t', events)).rejects.toThrow('all');
    const down = fakeSidecar(() => {
      throw new Error('connect ECONNREFUSED');
    });
    await expect(createDaprPublisher(down.dapr, 's')('t', events)).rejects.toThrow('ECONNREFUSED');
  });

  it('sends nothing for an empty batch', async () => {
    const { dapr, calls } = fakeSidecar(() => {});
    expect(await createDaprPublisher(dapr, 's')('t', [])).toEqual({ failed: [] });
    expect(calls).toHaveLength(0);
  });
});
