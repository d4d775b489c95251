/**
 * Event contracts: every event, its topic and schema version, defined once and used
 * by producers and consumers alike. A consumer that receives something that does
 * not parse here rejects it to the topic's dead-letter topic.
 */
import { z } from 'zod';
import type { Task } from './types.js';

export const TOPICS = {
  taskEvents: 'task-events',
  reminders: 'reminders',
  taskUpdates: 'task-updates',
} as const;
export type Topic = (typeof TOPICS)[keyof typeof TOPICS];
export const deadLetterTopic = (topic: Topic): string => `${topic}.dlq`;

export const SCHEMA_VERSION = 1;

const taskSnapshot = z.looseObject({
  id: z.number().int(),
  user_id: z.string(),
  title: z.string(),
  completed: z.boolean(),
  due_at: z.string().nullable(),
  time_zone: z.string(),
  occurrence: z.number().int(),
  series_id: z.string().nullable(),
  version: z.number().int(),
});

/** `task-events`: every create / update / complete / delete (requirements' shape + id and version). */
export const taskEventSchema = z.object({
  event_id: z.uuid(),
  schema_version: z.literal(SCHEMA_VERSION),
  event_type: z.enum(['created', 'updated', 'completed', 'deleted']),
  task_id: z.number().int(),
  task_data: taskSnapshot,
  user_id: z.string().min(1),
  timestamp: z.iso.datetime({ offset: true }),
});
export type TaskEvent = Omit<z.infer<typeof taskEventSchema>, 'task_data'> & { task_data: Task };

/** `reminders`: a reminder came due. */
export const reminderEventSchema = z.object({
  event_id: z.uuid(),
  schema_version: z.literal(SCHEMA_VERSION),
  task_id: z.number().int(),
  title: z.string(),
  due_at: z.string().nullable(),
  remind_at: z.iso.datetime({ offset: true }),
  user_id: z.string().min(1),
  timestamp: z.iso.datetime({ offset: true }),
});
export type ReminderEvent = z.infer<typeof reminderEventSchema>;

/** `task-updates`: what a user's open clients should see, pushed by the realtime role. */
export const taskUpdateSchema = z.object({
  event_id: z.uuid(),
  schema_version: z.literal(SCHEMA_VERSION),
  user_id: z.string().min(1),
  type: z.enum(['task.created', 'task.updated', 'task.completed', 'task.deleted', 'notification']),
  task: taskSnapshot.optional(),
  notification: z.looseObject({ id: z.number(), task_id: z.number() }).optional(),
  timestamp: z.iso.datetime({ offset: true }),
});
export type TaskUpdate = Omit<z.infer<typeof taskUpdateSchema>, 'task'> & { task?: Task };

export const EVENT_SCHEMAS = {
  [TOPICS.taskEvents]: taskEventSchema,
  [TOPICS.reminders]: reminderEventSchema,
  [TOPICS.taskUpdates]: taskUpdateSchema,
} as const;

/** A reminder job to (re)schedule: fires at `remind_at`, named deterministically. */
export interface ReminderJob {
  name: string;
  remind_at: string;
}
export interface ReminderJobPayload {
  user_id: string;
  task_id: number;
  remind_at: string;
}

/** A row for the outbox: an event to publish, or reminder jobs to (re)schedule. */
export type OutboxRecord =
  | {
      kind: 'event';
      event_id: string;
      topic: Topic;
      type: string;
      user_id: string;
      payload: TaskEvent | ReminderEvent | TaskUpdate;
      traceparent?: string;
    }
  | {
      kind: 'reminder-jobs';
      event_id: string;
      type: 'reminder-jobs';
      user_id: string;
      payload: { task_id: number; schedule: ReminderJob[]; cancel: string[] };
    };
