/**
 * What a task change emits: its `task-events` record, its `task-updates` record for
 * open clients, and the reminder jobs to (re)schedule or cancel — all appended to the
 * outbox in the change's own transaction.
 */
import { randomUUID } from 'node:crypto';
import { SCHEMA_VERSION, TOPICS, type OutboxRecord } from '../domain/events.js';
import { diffReminderJobs, reminderInstants } from '../domain/reminders.js';
import type { Task } from '../domain/types.js';

export type ChangeType = 'created' | 'updated' | 'completed' | 'deleted';

export function changeRecords(type: ChangeType, before: Task | null, after: Task, now: Date, traceparent?: string): OutboxRecord[] {
  const timestamp = now.toISOString();
  const trace = traceparent ? { traceparent } : {};
  const records: OutboxRecord[] = [
    {
      kind: 'event',
      event_id: randomUUID(),
      topic: TOPICS.taskEvents,
      type: `task.${type}`,
      user_id: after.user_id,
      payload: {
        event_id: '',
        schema_version: SCHEMA_VERSION,
        event_type: type,
        task_id: after.id,
        task_data: after,
        user_id: after.user_id,
        timestamp,
      },
      ...trace,
    },
    {
      kind: 'event',
      event_id: randomUUID(),
      topic: TOPICS.taskUpdates,
      type: `task.${type}`,
      user_id: after.user_id,
      payload: { event_id: '', schema_version: SCHEMA_VERSION, user_id: after.user_id, type: `task.${type}`, task: after, timestamp },
      ...trace,
    },
  ];
  for (const r of records) if (r.kind === 'event') r.payload.event_id = r.event_id;

  const jobs = reminderJobsFor(before, type === 'deleted' ? null : after, now);
  if (jobs.schedule.length || jobs.cancel.length) {
    records.push({
      kind: 'reminder-jobs',
      event_id: randomUUID(),
      type: 'reminder-jobs',
      user_id: after.user_id,
      payload: { task_id: after.id, ...jobs },
    });
  }
  return records;
}

/** Jobs to add and names to drop; reminders already in the past are not (re)scheduled. */
function reminderJobsFor(before: Task | null, after: Task | null, now: Date) {
  const previous = before ? reminderInstants(before) : [];
  const next = after ? reminderInstants(after).filter((j) => Date.parse(j.remind_at) > now.getTime()) : [];
  return diffReminderJobs(previous, next);
}
