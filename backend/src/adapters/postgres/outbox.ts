/** The outbox writer and the unit of work that ties task changes and their events together. */
import { inSpan, SpanKind } from '../../observability/tracing.js';
import { TOPICS, type OutboxRecord } from '../../domain/events.js';
import type { Task } from '../../domain/types.js';
import type { OutboxWriter, UnitOfWork } from '../../ports/index.js';
import { sqlRunner, type Db } from './db.js';
import { taskIdBlocks } from './task-ids.js';
import { createTaskRepository, INSERT_WITH_ID, insertValues, updateStatement, type JsonRow } from './task-repository.js';
import { createNotificationStore } from './user-data.js';
import { createDueJobs } from './scheduled-jobs.js';

export const OUTBOX_CHANNEL = 'kairos_outbox';

/** The outbox columns, and how a JSON array of records ($n) becomes rows of them. */
const OUTBOX_INSERT = `insert into outbox (event_id, kind, topic, type, user_id, payload, traceparent)
    select event_id, kind, topic, type, user_id, payload, traceparent`;
const recordset = (json: string) =>
  `jsonb_to_recordset(${json})
      as r(event_id uuid, kind text, topic text, type text, user_id text, payload jsonb, traceparent text)`;
// Delivered on commit only: wakes relays in other processes without polling.
const NOTIFY = `select pg_notify('${OUTBOX_CHANNEL}', '') from (select count(*) from appended) as n`;

/**
 * A user's `task-updates` records are numbered in the order they commit: a write that
 * appends one takes its user's transaction-scoped advisory lock before its records get
 * their `seq`, and holds it to its commit, so a concurrent write of the same user numbers
 * its records after this one's are visible. Without it two of a user's writes could
 * commit in the opposite order of their seqs, the relay publish the higher first, and a
 * WebSocket client that resumes after it never receive the lower. (Other topics need no
 * lock: their consumers do not resume by id. A burst of reminders takes none.) Locks are
 * taken in one order (by hash), after any row lock of the same statement, so writes cannot
 * deadlock on them. `USER_LOCKS` reads the `locked` CTE to its end: the outbox insert runs
 * after every lock is held.
 */
const lockUsers = (hashes: string) => `select pg_advisory_xact_lock(h) from (${hashes} order by 1) as users`;
const USER_LOCKS = '(select count(*) from locked) as user_locks';
const LOCK_USER = 'select pg_advisory_xact_lock(hashtextextended($1::text, 0))';
const lockTaskUser = (written: string) => `locked as (${lockUsers(`select distinct hashtextextended($1::text, 0) as h from ${written}`)})`;

/**
 * All of a change's records in one statement, NOTIFY included: the records travel as one
 * JSON array (so the text, hence the prepared statement, is the same for any number of
 * records; jsonb_to_recordset keeps their order, so `seq` does too), and the data-modifying
 * CTE runs whether or not the outer select reads it. One round trip instead of three.
 */
const APPEND = `with locked as (${lockUsers(
  `select distinct hashtextextended(user_id, 0) as h from ${recordset('$1::text::jsonb')} where topic = '${TOPICS.taskUpdates}'`,
)}),
  appended as (${OUTBOX_INSERT} from ${USER_LOCKS}, ${recordset('$1::text::jsonb')} returning 1) ${NOTIFY}`;

/**
 * Where a record carries the new task itself, its JSON text says this; the statement puts
 * the task's stored JSON (as the API renders it) there. No user text is in the records'
 * JSON before that, so the marker cannot appear by accident.
 */
const STORED_TASK = '@kairos:stored-task';

/**
 * A new task and its records as one statement, hence atomic without BEGIN/COMMIT: the
 * insert (its id reserved beforehand, $15), the user's lock ($1), the records ($16) with
 * the stored task JSON put where they carry the task, and the NOTIFY.
 */
const CREATE_TASK = `with inserted as (${INSERT_WITH_ID}), ${lockTaskUser('inserted')},
  appended as (${OUTBOX_INSERT} from inserted, ${USER_LOCKS}, ${recordset(`replace($16::text, '"${STORED_TASK}"', inserted.j)::jsonb`)} returning 1)
  select inserted.j from inserted, (${NOTIFY}) as notified`;

/** The same for an update ($1…$n-1, built by updateStatement) and its records ($n). */
const updateTaskStatement = (update: string, recordsParam: number) => `with updated as (${update}), ${lockTaskUser('updated')},
  appended as (${OUTBOX_INSERT} from updated, ${USER_LOCKS}, ${recordset(`replace($${recordsParam}::text, '"${STORED_TASK}"', updated.j)::jsonb`)} returning 1)
  select updated.j from updated, (${NOTIFY}) as notified`;

/** The records as one JSON array, the marker wherever they carry `task` itself. */
const recordsJson = (records: OutboxRecord[], task: Task) =>
  JSON.stringify(outboxRows(records), (_key, value: unknown) => (value === task ? STORED_TASK : value));

const outboxRows = (records: OutboxRecord[]) =>
  records.map((r) => ({
    event_id: r.event_id,
    kind: r.kind,
    topic: r.kind === 'event' ? r.topic : null,
    type: r.type,
    user_id: r.user_id,
    payload: r.payload,
    traceparent: r.kind === 'event' ? (r.traceparent ?? null) : null,
  }));

export function createOutboxWriter(db: Db): OutboxWriter {
  const sql = sqlRunner(db);
  return {
    async append(records: OutboxRecord[]) {
      if (records.length === 0) return;
      await sql.query(APPEND, [JSON.stringify(outboxRows(records))]);
    },
    async lockUser(userId: string) {
      await sql.query(LOCK_USER, [userId]);
    },
  };
}

/** A CLIENT span around a write (a transaction, or one statement that is atomic by itself), so a trace shows its time. */
const dbSpan = <T>(name: string, fn: () => Promise<T>) =>
  inSpan(name, { kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'postgresql' } }, fn);

/** One transaction per use case; `afterCommit` wakes the in-process relay immediately. */
export function createUnitOfWork(db: Db, afterCommit: () => void): UnitOfWork {
  const sql = sqlRunner(db);
  const takeTaskId = taskIdBlocks(sql);
  return {
    async run(fn) {
      const result = await dbSpan('db.transaction', () =>
        db.transaction(async (tx) => {
          const scoped = tx as unknown as Db;
          return fn({
            // Ids from a block of this transaction's own (a nextval outside it would wait for
            // PGlite's one connection, which the transaction holds): an import of many tasks
            // uses the ids of one block each 32 tasks, not a block per task.
            tasks: createTaskRepository(scoped, { nextId: taskIdBlocks(sqlRunner(scoped)) }),
            outbox: createOutboxWriter(scoped),
            notifications: createNotificationStore(scoped),
            jobs: createDueJobs(scoped),
          });
        }),
      );
      afterCommit();
      return result;
    },

    async createTask(userId, fields, recordsFor) {
      const id = await takeTaskId();
      // What the records need of the task before it exists (id, owner, reminders); the
      // rest of it — timestamps, version, the rendered JSON — comes from the insert.
      const pending = { ...fields, id, user_id: userId, completed: false, completed_at: null, version: 1 } as unknown as Task;
      const [row] = await dbSpan('db.create_task', () =>
        sql.query<JsonRow>(CREATE_TASK, [...insertValues(userId, fields), id, recordsJson(recordsFor(pending), pending)]),
      );
      afterCommit();
      return JSON.parse(row!.j) as Task;
    },

    async updateTask(current, change, recordsFor) {
      const { text, values } = updateStatement(current.user_id, current.id, change, current.version);
      const after = { ...current, ...change, version: current.version + 1 } as Task;
      const [row] = await dbSpan('db.update_task', () =>
        sql.query<JsonRow>(updateTaskStatement(text, values.length + 1), [...values, recordsJson(recordsFor(after), after)]),
      );
      if (!row) return null;
      afterCommit();
      return JSON.parse(row.j) as Task;
    },
  };
}
