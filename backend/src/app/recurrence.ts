/**
 * Recurrence: when a recurring task is completed, create its next occurrence. The
 * creation goes through `NextOccurrence` — a direct call in the embedded mode, Dapr
 * service invocation of the api in the distributed mode — and is idempotent per
 * (series, occurrence), so a redelivered event creates nothing twice.
 */
import { TOPICS } from '../domain/events.js';
import type { Task } from '../domain/types.js';
import { defineConsumer } from './consumer.js';

export type NextOccurrence = (userId: string, completed: Task, traceparent?: string) => Promise<unknown>;

export const recurrenceConsumer = (createNext: NextOccurrence) =>
  defineConsumer({
    name: 'recurrence',
    topic: TOPICS.taskEvents,
    async handle({ data, traceparent }) {
      if (data.event_type !== 'completed' || !data.task_data.recurrence) return;
      await createNext(data.user_id, data.task_data as unknown as Task, traceparent);
    },
  });
