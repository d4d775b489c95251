/**
 * Realtime: keeps each user's open WebSocket connections and pushes their
 * `task-updates` to them — to that user only. Messages carry the outbox sequence
 * number as their id; a client that reconnects with `after=<id>` first gets what it
 * missed from the updates log, then live messages; each message id reaches a connection once.
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

export function createRealtimeHub(deps: { log: UpdatesLog; present: (t: Task) => unknown; replayLimit?: number }) {
  const byUser = new Map<string, Set<Connection>>();
  const replayLimit = deps.replayLimit ?? 1000;

  return {
    connections: () => [...byUser.values()].reduce((n, s) => n + s.size, 0),

    /** Registers a connection; replays what it missed after `afterSeq`, then it receives live updates. */
    async connect(userId: string, client: Connection, afterSeq?: number): Promise<() => void> {
      const conn = sendingOnce(client, 2 * replayLimit);
      const set = byUser.get(userId) ?? new Set();
      byUser.set(userId, set);
      set.add(conn);
      const latest = await deps.log.latest(userId);
      if (afterSeq !== undefined && afterSeq < latest) {
        for (const row of await deps.log.since(userId, afterSeq, replayLimit)) {
          conn.send(toClientMessage(row.seq, row.data as TaskUpdate, deps.present));
        }
      }
      conn.send({ type: 'hello', last_id: String(latest) });
      return () => {
        set.delete(conn);
        if (set.size === 0) byUser.delete(userId);
      };
    },

    consumer: (onSent?: () => void) =>
      defineConsumer({
        name: 'realtime',
        topic: TOPICS.taskUpdates,
        async handle({ data, seq }) {
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
