/**
 * The schedule of one-shot jobs (reminders), in both modes: a job is a row of
 * `scheduled_jobs`, named deterministically, so scheduling again under the same name
 * moves it and cancelling is a delete. A due job is claimed — deleted in the transaction
 * that appends its event — so it fires once whichever process (or api replica) claims it,
 * and again after a crash before that commit.
 */
import type { DueJob, DueJobs } from '../../ports/index.js';
import { sqlRunner, type Db } from './db.js';

const PUT = `insert into scheduled_jobs (name, due_at, payload) values ($1, $2, $3)
  on conflict (name) do update set due_at = excluded.due_at, payload = excluded.payload`;
const REMOVE = 'delete from scheduled_jobs where name = $1';
const EARLIEST = 'select (extract(epoch from due_at) * 1000)::float8 as due_ms from scheduled_jobs order by due_at limit 1';
// skip locked: jobs another transaction is claiming are left to it
const CLAIM = `delete from scheduled_jobs where name in (
    select name from scheduled_jobs where due_at <= $1 order by due_at limit $2 for update skip locked)
  returning name, payload, (extract(epoch from due_at) * 1000)::float8 as due_ms`;

export interface ScheduledJobStore {
  put(name: string, at: Date, payload: unknown): Promise<void>;
  remove(name: string): Promise<void>;
  /** When the earliest job is due; null when nothing is scheduled. */
  earliest(): Promise<Date | null>;
}

export function createScheduledJobStore(db: Db): ScheduledJobStore {
  const sql = sqlRunner(db);
  return {
    async put(name, at, payload) {
      await sql.query(PUT, [name, at.toISOString(), JSON.stringify(payload)]);
    },
    async remove(name) {
      await sql.query(REMOVE, [name]);
    },
    async earliest() {
      const [row] = await sql.query<{ due_ms: number }>(EARLIEST);
      return row ? new Date(row.due_ms) : null;
    },
  };
}

/** The claiming side, on a transaction's handle (the unit of work's `tx.jobs`). */
export function createDueJobs(db: Db): DueJobs {
  const sql = sqlRunner(db);
  return {
    async claimDue(upTo, limit) {
      const rows = await sql.query<{ name: string; payload: unknown; due_ms: number }>(CLAIM, [upTo.toISOString(), limit]);
      return rows
        .map((r): DueJob => ({ name: r.name, dueAt: new Date(r.due_ms), payload: r.payload }))
        .sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime() || a.name.localeCompare(b.name));
    },
  };
}
