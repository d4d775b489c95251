/**
 * The outbox relay: publishes committed outbox rows and stamps them sent. Rows are
 * leased (FOR UPDATE SKIP LOCKED + `locked_until`), so several api replicas can relay
 * at once without sending a row twice; a crash before the stamp means the row is sent again
 * on restart (at-least-once — consumers are idempotent). A lease is short (`leaseMs`) and
 * renewed while its batch is being sent: a relay that dies holding one (a crash; a shutdown
 * sends what it holds) delays those rows, and its users' later rows, only until it runs out.
 *
 * A batch is handed over whole: the distributed publisher sends each topic's events in
 * one bulk request (one broker round trip per batch instead of per event).
 *
 * Passes run in `lanes`, each owning the users whose id hashes to it: while one lane waits
 * for the broker, the others lease and send, and a user's rows stay in one lane, in order.
 * Every api replica runs the same lanes, so a lease also skips a user whose earlier rows
 * another relay holds (leased, or being leased right now): their next rows wait until those
 * are stamped, and no relay overtakes another within a user. A WebSocket client resumes
 * after the last id it received (app/realtime.ts); an earlier row published after it
 * would never reach that client.
 *
 * It wakes on an in-process kick (same process committed; the pass starts once the
 * callbacks already waiting have run, so it takes every write that committed meanwhile), on
 * PostgreSQL NOTIFY (another process committed), and on a slow poll as a safety net.
 */
import { and, isNotNull, isNull, lt, sql } from 'drizzle-orm';
import type { OutboxRecord } from '../../domain/events.js';
import type { OutboxDispatch } from '../../ports/index.js';
import { sqlRunner, type Db } from './db.js';
import { outbox } from './schema.js';

/** How soon a lane looks again at rows it left for another relay's earlier rows of the same user. */
const HELD_BACK_RETRY_MS = 100;
const LEASE_MS = 10_000;

/**
 * The relay's statements, each with one text whatever the batch (row ids travel as one
 * array parameter), so each is parsed once per connection and runs as a prepared statement
 * (db.ts), whose plan PostgreSQL keeps once it has seen a few executions. Built by Drizzle,
 * they went unnamed: the lease was planned on every pass (on PostgreSQL its planning cost
 * as much as its execution), and every batch size gave the stamp a text of its own.
 *
 * The lease, in one statement: the lane's oldest free rows (candidates), except those of a
 * user whose earliest unsent row outside them (its blocker: one another relay holds, or is
 * leasing right now) comes before them. The blocker is looked up once per user, as a
 * lateral `limit 1` in seq order that stops at the first such row. Checked per row instead
 * (a NOT EXISTS for each candidate), a batch of one user's 100 rows walked that user's
 * index entries 100 times (7.4 of a 10 ms lease with 3,000 rows pending), and under the
 * generic plan the check lost its index condition and scanned every pending row for each
 * candidate. $1 batch size, $2 lease length; in lanes, $3 the number of lanes and $4 this
 * one (a user's lane: the id's hash with its sign bit cleared — hashtext is a signed int4).
 */
const leaseIn = (laneFilter: string) => `
  with candidates as (
    select seq, user_id from outbox
    where sent_at is null and (locked_until is null or locked_until < now())${laneFilter}
    order by seq limit $1
    for update skip locked),
  blockers as (
    select u.user_id, b.seq from (select distinct user_id from candidates) u
    cross join lateral (
      select e.seq from outbox e
      where e.user_id = u.user_id and e.sent_at is null and e.seq not in (select seq from candidates)
      order by e.seq limit 1) b),
  leased as (
    update outbox set locked_until = now() + $2::interval
    where seq in (
      select c.seq from candidates c
      where not exists (select 1 from blockers b where b.user_id = c.user_id and b.seq < c.seq))
    returning seq, event_id, kind, topic, type, user_id, payload, traceparent, created_at)
  select coalesce(json_agg(leased order by seq), '[]') as rows, (select count(*)::int from candidates) as candidates
  from leased`;
const LEASE = leaseIn('');
const LEASE_IN_LANE = leaseIn(' and (hashtext(user_id) & 2147483647) % $3::int = $4::int');
const STAMP_SENT = 'update outbox set sent_at = now(), locked_until = null where seq = any($1::bigint[])';
const RELEASE = 'update outbox set locked_until = null where seq = any($1::bigint[])';
const RELEASE_FAILED = `update outbox set locked_until = null, attempts = attempts + 1, last_error = $2
  where seq = any($1::bigint[])`;
const RENEW = 'update outbox set locked_until = now() + $2::interval where seq = any($1::bigint[]) and sent_at is null';

export interface OutboxRelayOptions {
  db: Db;
  /** Sends one leased batch: app/relay.ts (events to their topics, reminder jobs to the scheduler). */
  dispatch: OutboxDispatch;
  pollMs: number;
  batchSize?: number;
  /** Passes that run at once, each for its share of the users (1: one pass at a time). */
  lanes?: number;
  /** How long leased rows stay another relay's; renewed every third of it while they are being sent. */
  leaseMs?: number;
  /** Sent rows are kept this long (task-updates rows double as the WebSocket replay log). */
  retentionMs?: number;
  onError?: (err: unknown) => void;
  onBatch?: (sent: number, oldestAgeMs: number) => void;
}

export interface OutboxRelay {
  start(): void;
  kick(): void;
  /** Sends everything pending (bounded by `timeoutMs`), then stops. */
  stop(timeoutMs: number): Promise<void>;
  /** Pending rows and the age of the oldest, for metrics and readiness. */
  backlog(): Promise<{ pending: number; oldestAgeMs: number }>;
}

export function createOutboxRelay(opts: OutboxRelayOptions): OutboxRelay {
  const batchSize = opts.batchSize ?? 100;
  const lanes = Array.from({ length: Math.max(1, opts.lanes ?? 1) }, (_, i) => i);
  const statements = sqlRunner(opts.db);
  const leaseStatement = lanes.length > 1 ? LEASE_IN_LANE : LEASE;
  const retentionMs = opts.retentionMs ?? 24 * 3600_000;
  const leaseInterval = `${opts.leaseMs ?? LEASE_MS} milliseconds`;
  let running = false;
  let pass: Promise<void> | null = null;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  let backoffMs = 0;
  let lastCleanup = 0;
  // rows left for another relay's earlier rows of the same user: look again soon, not at the next poll
  let heldBack = false;
  let kicked = false;

  /**
   * One pass: lease a batch in a short transaction → dispatch in order outside it →
   * stamp sent. No transaction stays open while dispatching (PGlite has a single
   * connection that in-process consumers need too).
   */
  async function drain(lane: number): Promise<boolean> {
    for (;;) {
      const [lease] = await statements.query<{ rows: RawRow[] | string; candidates: number }>(leaseStatement, [
        batchSize,
        leaseInterval,
        ...(lanes.length > 1 ? [lanes.length, lane] : []),
      ]);
      // in seq order: json_agg orders them
      const rows = typeof lease!.rows === 'string' ? (JSON.parse(lease!.rows) as RawRow[]) : lease!.rows;
      const held = lease!.candidates > rows.length;
      let done = new Set<number>();
      let failure: unknown;
      if (rows.length) {
        const renewal = renewWhileSending(rows.map((r) => Number(r.seq)));
        try {
          ({ done, failure } = await opts.dispatch(
            rows.map((r) => ({ ...toRecord(r), seq: Number(r.seq), created_at: new Date(r.created_at) })),
          ));
        } catch (err) {
          failure = err;
        } finally {
          await renewal.stop();
        }
      }
      const unsent = rows.filter((r) => !done.has(Number(r.seq))).map((r) => Number(r.seq));
      if (done.size) await statements.query(STAMP_SENT, [[...done]]);
      if (unsent.length)
        await (failure
          ? statements.query(RELEASE_FAILED, [unsent, String((failure as Error)?.message ?? failure).slice(0, 500)])
          : statements.query(RELEASE, [unsent]));
      if (rows[0]) opts.onBatch?.(done.size, Date.now() - new Date(rows[0].created_at).getTime());
      if (failure) throw failure;
      if (rows.length < batchSize) return held;
    }
  }

  /** Renews the lease of rows being sent every third of it; `stop` waits for a renewal under way. */
  function renewWhileSending(seqs: number[]) {
    let renewing: Promise<unknown> = Promise.resolve();
    const every = setInterval(
      () => {
        // a failed renewal can let another relay send these rows too: at-least-once, as after a crash
        renewing = statements.query(RENEW, [seqs, leaseInterval]).catch(() => {});
      },
      (opts.leaseMs ?? LEASE_MS) / 3,
    );
    every.unref();
    return {
      async stop() {
        clearInterval(every);
        await renewing;
      },
    };
  }

  async function cleanup() {
    if (Date.now() - lastCleanup < 60_000) return;
    lastCleanup = Date.now();
    await opts.db.delete(outbox).where(and(isNotNull(outbox.sentAt), lt(outbox.sentAt, new Date(Date.now() - retentionMs))));
  }

  function run(): Promise<void> {
    if (pass) {
      again = true;
      return pass;
    }
    pass = (async () => {
      do {
        again = false;
        try {
          // every lane to the end, then the first failure (a lane still running must not overlap the next pass)
          const passes = await Promise.allSettled(lanes.map(drain));
          const failed = passes.find((r) => r.status === 'rejected');
          if (failed) throw failed.reason;
          heldBack = passes.some((r) => r.status === 'fulfilled' && r.value);
          await cleanup();
          backoffMs = 0;
        } catch (err) {
          opts.onError?.(err);
          backoffMs = Math.min(backoffMs ? backoffMs * 2 : 200, 10_000);
          break;
        }
      } while (again);
    })().finally(() => {
      pass = null;
      schedule();
    });
    return pass;
  }

  function schedule() {
    if (!running) return;
    clearTimeout(timer);
    timer = setTimeout(() => void run(), backoffMs || (heldBack ? Math.min(HELD_BACK_RETRY_MS, opts.pollMs) : opts.pollMs));
    timer.unref();
  }

  return {
    start() {
      running = true;
      void run();
    },
    kick() {
      if (!running || backoffMs !== 0 || kicked) return;
      // After the requests already waiting on this event loop, not at once: a commit's
      // continuation runs before them, and on PGlite (no I/O between statements) the pass
      // would then lease that one commit's rows every time — with the wait, one pass takes
      // the rows of every write that committed meanwhile.
      kicked = true;
      setImmediate(() => {
        kicked = false;
        if (running) void run(); // stop() sends what is left itself
      });
    },
    async stop(timeoutMs) {
      running = false;
      clearTimeout(timer);
      const flush = (async () => {
        await pass;
        await run();
      })();
      await Promise.race([flush, new Promise((r) => setTimeout(r, timeoutMs).unref())]);
    },
    async backlog() {
      const [row] = await opts.db
        .select({
          pending: sql<number>`count(*)::int`,
          oldest: sql<Date | null>`min(${outbox.createdAt})`.mapWith((v) => (v ? new Date(v) : null)),
        })
        .from(outbox)
        .where(isNull(outbox.sentAt));
      return { pending: row?.pending ?? 0, oldestAgeMs: row?.oldest ? Date.now() - row.oldest.getTime() : 0 };
    },
  };
}

interface RawRow {
  seq: string | number;
  event_id: string;
  kind: string;
  topic: string | null;
  type: string;
  user_id: string;
  payload: unknown;
  traceparent: string | null;
  created_at: string | Date;
}

function toRecord(r: RawRow): OutboxRecord {
  const payload = (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload) as never;
  if (r.kind === 'reminder-jobs') {
    return { kind: 'reminder-jobs', event_id: r.event_id, type: 'reminder-jobs', user_id: r.user_id, payload };
  }
  return {
    kind: 'event',
    event_id: r.event_id,
    topic: r.topic as never,
    type: r.type,
    user_id: r.user_id,
    payload,
    ...(r.traceparent ? { traceparent: r.traceparent } : {}),
  };
}
