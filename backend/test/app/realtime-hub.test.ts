/**
 * The realtime hub sends each update to a connection once: an update replayed from the log
 * (reconnect with `after`) that then arrives live again — sent during the replay, or
 * redelivered by the broker after the realtime role restarted — is not sent twice; and an
 * update that never arrives live (a subscription not yet assigned) comes from the log.
 */
import { describe, expect, it } from 'vitest';
import { createRealtimeHub, type ClientMessage } from '../../src/app/realtime.js';
import type { TaskUpdate } from '../../src/domain/events.js';

const update = (seq: number): { seq: number; data: TaskUpdate } => ({
  seq,
  data: { type: 'task.created', user_id: 'u1', task: { id: seq, title: `t${seq}` } } as unknown as TaskUpdate,
});

describe('realtime hub', () => {
  it('a replayed update that arrives live again is sent once; new ones still arrive', async () => {
    const log = [update(1), update(2), update(3)];
    const hub = createRealtimeHub({
      log: { since: async (_u, after) => log.filter((r) => r.seq > after), latest: async () => log.length },
      present: (t) => t,
      catchUpMs: [],
    });
    const got: ClientMessage[] = [];
    await hub.connect('u1', { send: (m) => got.push(m) }, 1);
    const consumer = hub.consumer();
    for (const seq of [2, 3, 4, 3]) {
      await consumer.handle({ data: update(seq).data, seq } as never);
    }
    expect(got.filter((m) => m.type !== 'hello').map((m) => m.id)).toEqual(['2', '3', '4']);
  });

  it('reads the log again after connecting: an update its subscription never delivered still arrives, once', async () => {
    // The update is committed after the first replay and never arrives live (the
    // subscription of a just-started realtime pod was not assigned yet).
    const log = [update(1)];
    const hub = createRealtimeHub({
      log: { since: async (_u, after) => log.filter((r) => r.seq > after), latest: async () => log.length },
      present: (t) => t,
      catchUpMs: [20, 60],
    });
    const got: ClientMessage[] = [];
    const close = await hub.connect('u1', { send: (m) => got.push(m) }, 0);
    log.push(update(2));
    await new Promise((r) => setTimeout(r, 120));
    expect(got.filter((m) => m.type !== 'hello').map((m) => m.id)).toEqual(['1', '2']);
    // a connection without `after` catches up from what was latest when it connected
    const fresh: ClientMessage[] = [];
    const closeFresh = await hub.connect('u1', { send: (m) => fresh.push(m) });
    log.push(update(3));
    await new Promise((r) => setTimeout(r, 120));
    expect(fresh.filter((m) => m.type !== 'hello').map((m) => m.id)).toEqual(['3']);
    close();
    closeFresh();
  });

  it('a connection made before the subscription delivered anything is read again once it does', async () => {
    // The pod's consumer is assigned its partitions later than every fixed catch-up read:
    // what was published before that is only in the log.
    const log = [update(1)];
    let reads = 0;
    const hub = createRealtimeHub({
      log: {
        since: async (_u, after) => {
          reads++;
          return log.filter((r) => r.seq > after);
        },
        latest: async () => log.length,
      },
      present: (t) => t,
      catchUpMs: [],
      liveSettleMs: 20,
    });
    const got: ClientMessage[] = [];
    await hub.connect('u1', { send: (m) => got.push(m) }, 1);
    log.push(update(2)); // published while nothing was assigned: never delivered live
    await hub.consumer().handle({ data: { ...update(3).data, user_id: 'someone else' }, seq: 3 } as never);
    await new Promise((r) => setTimeout(r, 60));
    expect(got.filter((m) => m.type !== 'hello').map((m) => m.id)).toEqual(['2']);
    // live from then on: a later connection is not read again on the next delivery
    reads = 0;
    await hub.connect('u1', { send: () => undefined }, 2);
    await hub.consumer().handle({ data: update(4).data, seq: 4 } as never);
    await new Promise((r) => setTimeout(r, 60));
    expect(reads).toBe(0);
  });

  it('a closed connection is not read for any more', async () => {
    let reads = 0;
    const hub = createRealtimeHub({
      log: {
        since: async () => {
          reads++;
          return [];
        },
        latest: async () => 0,
      },
      present: (t) => t,
      catchUpMs: [20],
    });
    const close = await hub.connect('u1', { send: () => undefined });
    close();
    await new Promise((r) => setTimeout(r, 60));
    expect(reads).toBe(0);
  });

  it('connections are independent: each gets every update once', async () => {
    const hub = createRealtimeHub({ log: { since: async () => [], latest: async () => 0 }, present: (t) => t, catchUpMs: [] });
    const a: ClientMessage[] = [];
    const b: ClientMessage[] = [];
    await hub.connect('u1', { send: (m) => a.push(m) });
    await hub.connect('u1', { send: (m) => b.push(m) });
    await hub.consumer().handle({ data: update(7).data, seq: 7 } as never);
    expect(a.map((m) => m.id)).toEqual([undefined, '7']);
    expect(b.map((m) => m.id)).toEqual([undefined, '7']);
  });
});
