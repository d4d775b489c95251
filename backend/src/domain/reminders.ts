/**
 * When a task's reminders fire, and the scheduler jobs that deliver them.
 *
 * A job's name is derived from what it fires for (task, instant, occurrence), so
 * the same reminder always has the same name and any change to its time yields a
 * new one: rescheduling is "cancel the names that disappeared, schedule the new
 * ones", with no stored job ids.
 */
import { createHash } from 'node:crypto';
import type { Task } from './types.js';

export interface ReminderJob {
  /** Scheduler-safe job name: `reminder-<taskId>-<12 hex chars>`. */
  name: string;
  /** UTC ISO instant the reminder fires. */
  remind_at: string;
}

export type ReminderSource = Pick<Task, 'id' | 'due_at' | 'reminders' | 'occurrence' | 'completed'>;

/** Deterministic job name for one reminder instant of one occurrence of a task. */
export function reminderJobName(taskId: number, remindAt: string, occurrence: number): string {
  const hash = createHash('sha256').update(`${remindAt}|${occurrence}`).digest('hex').slice(0, 12);
  return `reminder-${taskId}-${hash}`;
}

/**
 * The instants the task's reminders fire, earliest first and without duplicates.
 * A completed task has none; a relative reminder without a due date has none.
 * Past instants are included: whether to skip them depends on the caller's clock.
 */
export function reminderInstants(task: ReminderSource): ReminderJob[] {
  if (task.completed) return [];
  const dueMs = task.due_at === null ? null : Date.parse(task.due_at);
  const instants = new Set<number>();
  for (const reminder of task.reminders) {
    if ('minutes_before' in reminder) {
      if (dueMs !== null && !Number.isNaN(dueMs)) instants.add(dueMs - reminder.minutes_before * 60_000);
    } else {
      const at = Date.parse(reminder.at);
      if (!Number.isNaN(at)) instants.add(at);
    }
  }
  return [...instants]
    .sort((a, b) => a - b)
    .map((ms) => {
      const remindAt = new Date(ms).toISOString();
      return { name: reminderJobName(task.id, remindAt, task.occurrence), remind_at: remindAt };
    });
}

/** Jobs to schedule (new names) and names to cancel (names that disappeared), by name. */
export function diffReminderJobs(
  before: readonly ReminderJob[],
  after: readonly ReminderJob[],
): { schedule: ReminderJob[]; cancel: string[] } {
  const beforeNames = new Set(before.map((job) => job.name));
  const afterNames = new Set(after.map((job) => job.name));
  return {
    schedule: after.filter((job) => !beforeNames.has(job.name)),
    cancel: [...beforeNames].filter((name) => !afterNames.has(name)),
  };
}
