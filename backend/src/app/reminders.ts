/**
 * Reminders, from a task's edit to the `reminders` event:
 * - A task change appends a `reminder-jobs` record to the outbox (app/task-events.ts:
 *   which jobs to add, which to drop). The relay hands it to `applyReminderJobs`, which
 *   cancels and schedules them on the platform's job scheduler: a row of the schedule
 *   (`scheduled_jobs`) and an alarm for its instant (embedded: one timer for the
 *   earliest; distributed: one Dapr job per due instant, shared by every reminder due then).
 * - When an alarm goes off (`createReminderFiring`), the due jobs are claimed and their
 *   tasks read again: a reminder for a task that was deleted, completed or moved since is
 *   dropped, so a stale job can never notify. A live one becomes a `reminders` event,
 *   written to the outbox like every other event; the notifier (app/notifications.ts)
 *   takes it from there.
 */
import { randomUUID } from 'node:crypto';
import { SCHEMA_VERSION, TOPICS, type OutboxRecord, type ReminderJobPayload } from '../domain/events.js';
import { reminderInstants } from '../domain/reminders.js';
import type { PipelineMetrics } from '../observability/metrics.js';
import { traceparentOf } from '../observability/tracing.js';
import type { Clock, JobScheduler, UnitOfWork } from '../ports/index.js';

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

export type ReminderOutcome = 'published' | 'stale';

/** Fires what the schedule holds as due by an instant (a platform's alarm went off, or its sweep). */
export type FireDueJobs = (upTo: Date) => Promise<void>;

/** Jobs claimed per transaction: a burst of 1,000 is two reads, two appends and two commits. */
const CLAIM_LIMIT = 500;

const isReminderPayload = (p: unknown): p is ReminderJobPayload =>
  typeof p === 'object' &&
  p !== null &&
  typeof (p as ReminderJobPayload).user_id === 'string' &&
  Number.isInteger((p as ReminderJobPayload).task_id) &&
  typeof (p as ReminderJobPayload).remind_at === 'string';

/**
 * Fires due reminder jobs. One pass is one transaction: claim the due jobs (up to
 * CLAIM_LIMIT), read their tasks in one query, append the live reminders' events in one
 * statement, commit — the claim and the events commit together, so a job fires once, or
 * again in full after a failure. Calls that arrive while a pass runs are folded into the
 * next one: a burst of alarms (or of the sweep and an alarm) is one sequence of passes.
 * Never early: a pass claims only jobs due by the later of the alarm's instant and now.
 */
export function createReminderFiring(deps: {
  uow: UnitOfWork;
  clock: Clock;
  metrics: Pick<PipelineMetrics, 'reminderLateness' | 'remindersFired'>;
}): FireDueJobs {
  async function pass(upTo: Date): Promise<number> {
    const traceparent = traceparentOf();
    const { claimed, outcomes } = await deps.uow.run(async (tx) => {
      const claimed = await tx.jobs.claimDue(upTo, CLAIM_LIMIT);
      const jobs = claimed.filter((j) => isReminderPayload(j.payload));
      const tasks = jobs.length
        ? await tx.tasks.getMany(
            jobs.map((j) => ({ userId: (j.payload as ReminderJobPayload).user_id, id: (j.payload as ReminderJobPayload).task_id })),
          )
        : [];
      const byKey = new Map(tasks.map((t) => [`${t.user_id}/${t.id}`, t]));
      const records: OutboxRecord[] = [];
      const outcomes = claimed.map(({ name, payload }): ReminderOutcome => {
        if (!isReminderPayload(payload)) return 'stale';
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
      if (records.length) await tx.outbox.append(records);
      return { claimed, outcomes };
    });
    const now = deps.clock.now().getTime();
    claimed.forEach((job, i) => {
      deps.metrics.reminderLateness.observe(Math.max(0, now - job.dueAt.getTime()) / 1000);
      deps.metrics.remindersFired.inc({ outcome: outcomes[i]! });
    });
    return claimed.length;
  }

  let running: Promise<void> | null = null;
  let wanted: Date | null = null;
  return function fireDue(upTo) {
    if (!wanted || upTo > wanted) wanted = upTo;
    running ??= (async () => {
      try {
        while (wanted) {
          const now = deps.clock.now();
          const until = wanted > now ? wanted : now;
          wanted = null;
          while ((await pass(until)) === CLAIM_LIMIT);
        }
      } catch (err) {
        // every caller waiting on this run gets the error and retries (the alarm's retry policy, the timer's back-off)
        wanted = null;
        throw err;
      } finally {
        running = null;
      }
    })();
    return running;
  };
}
