/**
 * The API's view of a task. Tasks read from the store already are that view: the
 * recurrence summary is stored with the rule (and PostgreSQL renders the list's JSON
 * directly, see adapters/postgres/task-json.ts). Only a task without one — e.g. in an
 * event written before summaries were stored — gets it computed here.
 */
import { describeRecurrence } from '../domain/recurrence.js';
import type { Task } from '../domain/types.js';

export type TaskView = Omit<Task, 'recurrence'> & { recurrence: (NonNullable<Task['recurrence']> & { summary: string }) | null };

export function presentTask(task: Task): TaskView {
  if (!task.recurrence || task.recurrence.summary !== undefined) return task as TaskView;
  return { ...task, recurrence: { ...task.recurrence, summary: describeRecurrence(task.recurrence) } };
}
