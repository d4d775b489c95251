/**
 * Reminders, from a task's edit to the `reminders` event:
 * - A task change appends a `reminder-jobs` record to the outbox (app/task-events.ts:
 *   which jobs to add, which to drop). The relay hands it to `applyReminderJobs`, which
 *   cancels and schedules them on the platform's job scheduler (embedded: a table and a
 *   timer; distributed: the Dapr Jobs API).
 * - When a job fires (`reminderJobHandler`), the task is read again: a reminder for a
 *   task that was deleted, completed or moved since is dropped, so a stale job can never
 *   notify. A live one becomes a `reminders` event, written to the outbox like every
 *   other event; the notifier (app/notifications.ts) takes it from there.
 */
import { randomUUID } from 'node:crypto';
import { SCHEMA_VERSION, TOPICS, type OutboxRecord, type ReminderJobPayload } from '../domain/events.js';
import { reminderInstants } from '../domain/reminders.js';
import { coalescing } from './batching.js';
import type { PipelineMetrics } from '../observability/metrics.js';
import { traceparentOf } from '../observability/tracing.js';
import type { Clock, JobScheduler, TaskRepository, UnitOfWork } from '../ports/index.js';

/** An outbox record of reminder jobs to (re)schedule and to cancel for one task. */
export type ReminderJobsRecord = Extract<OutboxRecord, { kind: 'reminder-jobs' }>;

/** The reminder-job policy: drop the cancelled jobs, then (re)schedule the new ones, in order. */
export function reminderJobScheduling(scheduler: JobScheduler, metrics: Pick<PipelineMetrics, 'remindersScheduled'>) {
  return async function applyReminderJobs(record: ReminderJobsRecord): Promise<void> {
    for (const name of record.payload.cancel) await scheduler.cancel(name);
    for (const job of record.payload.schedule) {
      const payload: ReminderJobPayload = { user_id: record.user_id, task_id: record.payload.task_id, remind_at: job.remind_at };
      await scheduler.schedule(job.name, new Date(job.remind_at), payload);
    }
    metrics.remindersScheduled.inc({ action: 'schedule' }, record.payload.schedule.length);
    metrics.remindersScheduled.inc({ action: 'cancel' }, record.payload.cancel.length);
  };
}

/** A reminder job's callback (from either job scheduler). */
export type ReminderJobHandler = (name: string, payload: ReminderJobPayload, dueAt: Date) => Promise<void>;

export type ReminderOutcome = 'published' | 'stale';

/** A due reminder job: its name and the data it was scheduled with. */
export interface DueReminder {
  name: string;
  payload: ReminderJobPayload;
  /** The job callback's trace, which the reminder's event continues. */
  traceparent: string | undefined;
}

/**
 * Fires reminder jobs. Jobs that come due together (a burst: many reminders at the same
 * minute) are handled as batches — their tasks read in one query, the events of the live
 * ones appended in one statement — instead of two round trips each, which queued a
 * burst's callbacks behind one another in the connection pool. A lone job runs at once.
 */
export function createReminderFiring(deps: { uow: UnitOfWork; reader: TaskRepository; clock: Clock }) {
  async function fireAll(jobs: DueReminder[]): Promise<ReminderOutcome[]> {
    const tasks = await deps.reader.getMany(jobs.map((j) => ({ userId: j.payload.user_id, id: j.payload.task_id })));
    const byKey = new Map(tasks.map((t) => [`${t.user_id}/${t.id}`, t]));
    const records: OutboxRecord[] = [];
    const outcomes = jobs.map(({ name, payload, traceparent }): ReminderOutcome => {
      const task = byKey.get(`${payload.user_id}/${payload.task_id}`);
      // deleted, completed or moved since the job was scheduled: a stale job never notifies
      if (!task || !reminderInstants(task).some((j) => j.name === name)) return 'stale';
      const event_id = randomUUID();
      records.push({
        kind: 'event',
        event_id,
        topic: TOPICS.reminders,
        type: 'reminder.due',
        user_id: task.user_id,
        ...(traceparent ? { traceparent } : {}),
        payload: {
          event_id,
          schema_version: SCHEMA_VERSION,
          task_id: task.id,
          title: task.title,
          due_at: task.due_at,
          remind_at: payload.remind_at,
          user_id: task.user_id,
          timestamp: deps.clock.now().toISOString(),
        },
      });
      return 'published';
    });
    if (records.length) await deps.uow.run((tx) => tx.outbox.append(records));
    return outcomes;
  }
  const fire = coalescing(fireAll);
  return function fireReminder(name: string, payload: ReminderJobPayload): Promise<ReminderOutcome> {
    // the batch runs in the context of whichever call started it: each job keeps its own trace
    return fire({ name, payload, traceparent: traceparentOf() });
  };
}
export type FireReminder = ReturnType<typeof createReminderFiring>;

/** Fires a reminder job and records its lateness and outcome. */
export function reminderJobHandler(
  fireReminder: FireReminder,
  metrics: Pick<PipelineMetrics, 'reminderLateness' | 'remindersFired'>,
): ReminderJobHandler {
  return async (name, payload, dueAt) => {
    metrics.reminderLateness.observe(Math.max(0, Date.now() - dueAt.getTime()) / 1000);
    metrics.remindersFired.inc({ outcome: await fireReminder(name, payload) });
  };
}
