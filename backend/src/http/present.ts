/** The API's view of a task: the stored task plus derived, human-facing fields. */
import { describeRecurrence } from '../domain/recurrence.js';
import type { Task } from '../domain/types.js';

export type TaskView = Omit<Task, 'recurrence'> & { recurrence: (NonNullable<Task['recurrence']> & { summary: string }) | null };

export function presentTask(task: Task): TaskView {
  if (!task.recurrence) return task as TaskView;
  return { ...task, recurrence: { ...task.recurrence, summary: describeRecurrence(task.recurrence) } };
}
