/**
 * Realtime: keeps each user's open WebSocket connections and pushes their
 * `task-updates` to them — to that user only. Messages carry the outbox sequence
 * number as their id; a client that reconnects with `after=<id>` first gets what it
 * missed from the updates log, then live messages — never one ahead of an earlier update
 * it has not got (see the Session notes below) — and each message id reaches a connection once.
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
 * A connection gets live updates only once it has caught up from the log: until then they
 * are held and sent after the read, in order. The client resumes after the last id it
 * received, so a live update must never reach it ahead of an earlier one it has not got.
 *
 * "Caught up" means a log read made while this process's subscription is live. Where a
 * broker assigns the subscription some time after start (a Kafka consumer group of its
 * own, starting at the newest offset), a realtime pod is Ready — and gets connections, e.g.
 * every client of a pod a rollout replaced — before it receives anything, and an update
 * published in between never arrives here live. The group has this process as its only
 * member, so its first delivery means every partition is assigned; LIVE_SETTLE_MS after
 * it, the connections made before are read again (by then what was published before the
 * assignment is stamped sent) and released. Connections made later are released after
 * their own first read.
 *
 * Every connection also reads the log again at CATCH_UP_MS: an update whose send the
 * relay stamped late is still delivered. What was already sent is not sent twice.
 */
const CATCH_UP_MS = [2_000, 10_000, 30_000];
const LIVE_SETTLE_MS = 2_000;

interface Session {
  send(msg: ClientMessage): void;
  /** Live updates waiting for the connection's catch-up read; null once released. */
  held: ClientMessage[] | null;
  open: boolean;
  /** Sends what the log has for the user after the connection's starting point. */
  read(): Promise<void>;
}

export function createRealtimeHub(deps: {
  log: UpdatesLog;
  present: (t: Task) => unknown;
  replayLimit?: number;
  catchUpMs?: number[];
  liveSettleMs?: number;
  /** The subscription gets every update published once the process has started (in-process delivery). */
  liveAtStart?: boolean;
}) {
  const byUser = new Map<string, Set<Session>>();
  const replayLimit = deps.replayLimit ?? 1000;
  const catchUpMs = deps.catchUpMs ?? CATCH_UP_MS;
  const liveSettleMs = deps.liveSettleMs ?? LIVE_SETTLE_MS;
  let live = deps.liveAtStart ?? false;
  let settled = live;
  // connections waiting for the subscription to settle: each is read again, then released
  const untilSettled = new Set<Session>();

  const release = (session: Session) => {
    const held = session.held ?? [];
    session.held = null;
    for (const msg of held.sort((a, b) => Number(a.id) - Number(b.id))) session.send(msg);
  };
  const wentLive = () => {
    live = true;
    setTimeout(() => {
      settled = true;
      const owed = [...untilSettled];
      untilSettled.clear();
      // a failed read releases anyway: the catch-up reads come later, and holding live updates forever is worse
      for (const session of owed)
        if (session.open)
          void session
            .read()
            .catch(() => undefined)
            .then(() => release(session));
    }, liveSettleMs).unref?.();
  };

  return {
    connections: () => [...byUser.values()].reduce((n, s) => n + s.size, 0),

    /** Registers a connection; replays what it missed after `afterSeq`, then it receives live updates. */
    async connect(userId: string, client: Connection, afterSeq?: number): Promise<() => void> {
      let from = 0; // where the reads start: set below, once the log has answered
      const session: Session = {
        ...sendingOnce(client, 2 * replayLimit),
        held: [],
        open: true,
        async read() {
          if (!session.open) return;
          for (const row of await deps.log.since(userId, from, replayLimit)) {
            session.send(toClientMessage(row.seq, row.data as TaskUpdate, deps.present));
          }
        },
      };
      const set = byUser.get(userId) ?? new Set();
      byUser.set(userId, set);
      set.add(session);
      const unregister = () => {
        session.open = false;
        untilSettled.delete(session);
        set.delete(session);
        if (set.size === 0 && byUser.get(userId) === set) byUser.delete(userId);
      };
      let latest: number;
      try {
        latest = await deps.log.latest(userId);
        from = afterSeq ?? latest;
        if (afterSeq !== undefined && afterSeq < latest) await session.read();
      } catch (err) {
        // the log could not be read (the database is away): nothing stays registered
        unregister();
        throw err;
      }
      session.send({ type: 'hello', last_id: String(latest) });
      if (settled) release(session);
      else untilSettled.add(session);
      const timers = catchUpMs.map((ms) =>
        // a failed read leaves the live path; the next catch-up reads again
        setTimeout(() => void session.read().catch(() => undefined), ms),
      );
      for (const t of timers) t.unref?.();
      return () => {
        for (const t of timers) clearTimeout(t);
        unregister();
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
          for (const session of set) {
            onSent?.();
            if (session.held) {
              // bounded: what is dropped here is in the log the catch-up read returns
              if (session.held.length >= replayLimit) session.held.shift();
              session.held.push(msg);
              continue;
            }
            session.send(msg);
          }
        },
      }),
  };
}
export type RealtimeHub = ReturnType<typeof createRealtimeHub>;
