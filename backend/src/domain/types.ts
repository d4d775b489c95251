/**
 * The task model shared by every layer. Pure data: no I/O, no framework types.
 * JSON field names are snake_case because they are the public API and event
 * contract (see requirements: `task_id`, `user_id`, `task_data`, …).
 */

export const PRIORITIES = ['none', 'low', 'medium', 'high'] as const;
export type Priority = (typeof PRIORITIES)[number];
/** Sort weight: higher is more urgent. */
export const PRIORITY_RANK: Record<Priority, number> = { none: 0, low: 1, medium: 2, high: 3 };

/** A reminder either fires a number of minutes before the due time or at an absolute instant. */
export type Reminder = { minutes_before: number } | { at: string };

/**
 * Recurrence: an RFC 5545 RRULE body (no DTSTART; the task's due date in its
 * time zone is the anchor). `mode: 'due'` schedules the next occurrence from the
 * previous due date; `mode: 'completion'` from the moment the task was completed.
 */
export interface Recurrence {
  rule: string;
  mode: 'due' | 'completion';
}

export interface Task {
  id: number;
  user_id: string;
  title: string;
  description: string;
  completed: boolean;
  completed_at: string | null;
  priority: Priority;
  tags: string[];
  /** ISO-8601 instant (UTC, `Z`), or null when the task has no due date. */
  due_at: string | null;
  /** IANA zone the due date was set in; recurrence and "today" are computed in it. */
  time_zone: string;
  reminders: Reminder[];
  /**
   * The rule, plus its human-readable summary (describeRecurrence) on tasks read from the
   * store, which keeps it with the rule. Optional so that a task being built or patched
   * can carry a plain Recurrence.
   */
  recurrence: (Recurrence & { summary?: string }) | null;
  /** Shared by every occurrence of a recurring task. */
  series_id: string | null;
  /** 1-based index of this occurrence within its series (1 for non-recurring tasks). */
  occurrence: number;
  created_at: string;
  updated_at: string;
  /** Optimistic-concurrency version, incremented on every change. */
  version: number;
}

/** Fields a caller may set when creating a task (after validation/normalisation). */
export interface NewTask {
  title: string;
  description?: string;
  priority?: Priority;
  tags?: string[];
  due_at?: string | null;
  time_zone?: string;
  reminders?: Reminder[];
  recurrence?: Recurrence | null;
}

/** Fields a caller may change in a partial update. */
export type TaskPatch = Partial<NewTask> & { completed?: boolean };

/** Limits enforced by validation (domain/task.ts) and advertised in the OpenAPI document. */
export const LIMITS = {
  titleMax: 200,
  descriptionMax: 4000,
  tagsMax: 20,
  tagMax: 32,
  remindersMax: 10,
  reminderMinutesMax: 60 * 24 * 365,
  ruleMax: 500,
} as const;
