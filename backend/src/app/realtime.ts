/**
 * Realtime: keeps each user's open WebSocket connections and pushes their
 * `task-updates` to them — to that user only. Messages carry the outbox sequence
 * number as their id; a client that reconnects with `after=<id>` first gets what it
 * missed from the updates log, then live messages (and the log is read again a few times
 * in the first half minute, see CATCH_UP_MS); each message id reaches a connection once.
 */
import { TOPICS, type TaskUpdate } from '../domain/events.js';
import type { Task } from '../domain/types.js';
import type { UpdatesLog } from '../ports/index.js';
import { defineConsumer } from './consumer.js';

export interface ClientMessage {
  type: string;
  id?: string;
  [k: string]: unknown;
}

export interface Connection {
  send(msg: ClientMessage): void;
}

/** Shapes a task-update event as the message a client receives. */
export function toClientMessage(seq: number, update: TaskUpdate, present: (t: Task) => unknown): ClientMessage {
  if (update.type === 'notification') return { type: 'notification', id: String(seq), notification: update.notification };
  return { type: update.type, id: String(seq), task: update.task ? present(update.task as Task) : undefined };
}

/**
 * A connection that sends each message id at most once. A replayed update can arrive again
 * live — sent while the replay ran, or redelivered by the broker after a restart of this
 * role — and the client must see it once. Remembers the last `cap` ids.
 */
function sendingOnce(conn: Connection, cap: number): Connection {
  const sent = new Set<string>();
  return {
    send(msg) {
      if (msg.id !== undefined) {
        if (sent.has(msg.id)) return;
        sent.add(msg.id);
        if (sent.size > cap) sent.delete(sent.values().next().value!);
      }
      conn.send(msg);
    },
  };
}

/**
 * When a connection reads the log again after its first replay. An update committed just
 * after that replay reaches this process through the broker — unless this process's
 * subscription is not live yet: a realtime pod that has just started is Ready (and gets
 * connections, e.g. every client of a pod a rollout replaced) before its broadcast
 * consumer is assigned its partitions, and that consumer starts at the newest offset, so
 * an update published in between never arrives live here. Reading the log again closes
 * that gap; what was already sent is not sent twice.
 *
 * The fixed reads cover an assignment within half a minute. On a loaded node it can take
 * longer, so a connection made before the subscription delivered anything is also read
 * once more LIVE_SETTLE_MS after its first delivery: the broadcast consumer group has this
 * process as its only member, so its first delivery means every partition is assigned, and
 * from then on every update arrives live.
 */
const CATCH_UP_MS = [2_000, 10_000, 30_000];
const LIVE_SETTLE_MS = 2_000;

export function createRealtimeHub(deps: {
  log: UpdatesLog;
  present: (t: Task) => unknown;
  replayLimit?: number;
  catchUpMs?: number[];
  liveSettleMs?: number;
}) {
  const byUser = new Map<string, Set<Connection>>();
  const replayLimit = deps.replayLimit ?? 1000;
  const catchUpMs = deps.catchUpMs ?? CATCH_UP_MS;
  const liveSettleMs = deps.liveSettleMs ?? LIVE_SETTLE_MS;
  // until the subscription's first delivery: the reads owed to connections made before it
  let live = false;
  const untilLive = new Set<() => void>();
  const wentLive = () => {
    live = true;
    const owed = [...untilLive];
    untilLive.clear();
    setTimeout(() => owed.forEach((read) => read()), liveSettleMs).unref?.();
  };

  return {
    connections: () => [...byUser.values()].reduce((n, s) => n + s.size, 0),

    /** Registers a connection; replays what it missed after `afterSeq`, then it receives live updates. */
    async connect(userId: string, client: Connection, afterSeq?: number): Promise<() => void> {
      const conn = sendingOnce(client, 2 * replayLimit);
      const set = byUser.get(userId) ?? new Set();
      byUser.set(userId, set);
      set.add(conn);
      const latest = await deps.log.latest(userId);
      const replay = async (from: number) => {
        for (const row of await deps.log.since(userId, from, replayLimit)) {
          conn.send(toClientMessage(row.seq, row.data as TaskUpdate, deps.present));
        }
      };
      if (afterSeq !== undefined && afterSeq < latest) await replay(afterSeq);
      conn.send({ type: 'hello', last_id: String(latest) });
      const from = afterSeq ?? latest;
      const timers = catchUpMs.map((ms) =>
        setTimeout(() => {
          // a failed read leaves the live path; the next catch-up reads again
          replay(from).catch(() => undefined);
        }, ms),
      );
      for (const t of timers) t.unref?.();
      let open = true;
      const readOnceLive = () => {
        if (open) replay(from).catch(() => undefined);
      };
      if (!live) untilLive.add(readOnceLive);
      return () => {
        open = false;
        untilLive.delete(readOnceLive);
        for (const t of timers) clearTimeout(t);
        set.delete(conn);
        if (set.size === 0) byUser.delete(userId);
      };
    },

    consumer: (onSent?: () => void) =>
      defineConsumer({
        name: 'realtime',
        topic: TOPICS.taskUpdates,
        async handle({ data, seq }) {
          if (!live) wentLive();
          const set = byUser.get(data.user_id);
          if (!set?.size || seq === undefined) return;
          const msg = toClientMessage(seq, data as TaskUpdate, deps.present);
          for (const conn of set) {
            conn.send(msg);
            onSent?.();
          }
        },
      }),
  };
}
export type RealtimeHub = ReturnType<typeof createRealtimeHub>;
