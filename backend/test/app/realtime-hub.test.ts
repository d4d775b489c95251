/**
 * The realtime hub sends each update to a connection once: an update replayed from the log
 * (reconnect with `after`) that then arrives live again — sent during the replay, or
 * redelivered by the broker after the realtime role restarted — is not sent twice; an
 * update that never arrives live (a subscription not yet assigned) comes from the log; and
 * no live update reaches a client ahead of an earlier one it has not got (it resumes after
 * the last id it received).
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
      liveAtStart: true,
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
      liveAtStart: true,
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
    const hub = createRealtimeHub({
      log: { since: async () => [], latest: async () => 0 },
      present: (t) => t,
      catchUpMs: [],
      liveAtStart: true,
    });
    const a: ClientMessage[] = [];
    const b: ClientMessage[] = [];
    await hub.connect('u1', { send: (m) => a.push(m) });
    await hub.connect('u1', { send: (m) => b.push(m) });
    await hub.consumer().handle({ data: update(7).data, seq: 7 } as never);
    expect(a.map((m) => m.id)).toEqual([undefined, '7']);
    expect(b.map((m) => m.id)).toEqual([undefined, '7']);
  });

  it('until it has caught up, a connection holds live updates: none reaches the client ahead of an earlier one', async () => {
    // A pod whose subscription is assigned after the client connected: 2…4 were published
    // before that (only in the log), 5 arrives live first. Were 5 sent at once and the
    // connection dropped, the client would resume after 5 and never get 2…4.
    const log = [update(1)];
    const hub = createRealtimeHub({
      log: { since: async (_u, after) => log.filter((r) => r.seq > after), latest: async () => log.length },
      present: (t) => t,
      catchUpMs: [],
      liveSettleMs: 30,
    });
    const got: ClientMessage[] = [];
    await hub.connect('u1', { send: (m) => got.push(m) }, 0);
    log.push(update(2), update(3), update(4), update(5));
    await hub.consumer().handle({ data: update(5).data, seq: 5 } as never);
    const ids = () => got.filter((m) => m.type !== 'hello').map((m) => m.id);
    expect(ids()).toEqual(['1']);
    await new Promise((r) => setTimeout(r, 80));
    expect(ids()).toEqual(['1', '2', '3', '4', '5']);
    // released: the next live update goes straight out
    await hub.consumer().handle({ data: update(6).data, seq: 6 } as never);
    expect(ids()).toEqual(['1', '2', '3', '4', '5', '6']);
  });

  it('on a live subscription, updates that arrive during the first replay are sent after it, in order', async () => {
    let finishRead = () => {};
    const readDone = new Promise<void>((r) => (finishRead = r));
    const hub = createRealtimeHub({
      log: {
        since: async () => {
          await readDone;
          return [update(8), update(9)];
        },
        latest: async () => 9,
      },
      present: (t) => t,
      catchUpMs: [],
      liveAtStart: true,
    });
    const got: ClientMessage[] = [];
    const connected = hub.connect('u1', { send: (m) => got.push(m) }, 7);
    await new Promise((r) => setTimeout(r, 10)); // the replay is reading
    await hub.consumer().handle({ data: update(10).data, seq: 10 } as never);
    expect(got).toEqual([]);
    finishRead();
    await connected;
    expect(got.map((m) => m.id ?? m.type)).toEqual(['8', '9', 'hello', '10']);
  });

  it('a connection whose log cannot be read is not left registered', async () => {
    const hub = createRealtimeHub({
      log: {
        since: async () => [],
        latest: async () => {
          throw new Error('database away');
        },
      },
      present: (t) => t,
      catchUpMs: [],
      liveAtStart: true,
    });
    const got: ClientMessage[] = [];
    await expect(hub.connect('u1', { send: (m) => got.push(m) }, 3)).rejects.toThrow('database away');
    expect(hub.connections()).toBe(0);
    await hub.consumer().handle({ data: update(4).data, seq: 4 } as never);
    expect(got).toEqual([]);
  });
});
