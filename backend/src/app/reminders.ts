/**
 * Reminders fire as jobs (embedded scheduler or Dapr Jobs). When a job fires, the task
 * is read again: a reminder for a task that was deleted, completed or moved since is
 * dropped, so a stale job can never notify. A live one becomes a `reminders` event,
 * written to the outbox like every other event.
 */
import { randomUUID } from 'node:crypto';
import { SCHEMA_VERSION, TOPICS, type ReminderJobPayload } from '../domain/events.js';
import { reminderInstants } from '../domain/reminders.js';
import type { Clock, TaskRepository, UnitOfWork } from '../ports/index.js';

export type ReminderOutcome = 'published' | 'stale';

export function createReminderFiring(deps: { uow: UnitOfWork; reader: TaskRepository; clock: Clock }) {
  return async function fireReminder(name: string, payload: ReminderJobPayload): Promise<ReminderOutcome> {
    const task = await deps.reader.get(payload.user_id, payload.task_id);
    if (!task || !reminderInstants(task).some((j) => j.name === name)) return 'stale';
    const event_id = randomUUID();
    await deps.uow.run((tx) =>
      tx.outbox.append([
        {
          kind: 'event',
          event_id,
          topic: TOPICS.reminders,
          type: 'reminder.due',
          user_id: task.user_id,
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
        },
      ]),
    );
    return 'published';
  };
}
export type FireReminder = ReturnType<typeof createReminderFiring>;
