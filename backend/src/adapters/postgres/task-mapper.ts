/** Row ↔ Task conversion: the one place that knows how a task is laid out in SQL. */
import { PRIORITIES, type Priority, type Task } from '../../domain/types.js';
import type { tasks } from './schema.js';

export type TaskRow = Omit<typeof tasks.$inferSelect, 'search'>;

export const priorityToDb = (p: Priority): number => PRIORITIES.indexOf(p);
export const priorityFromDb = (n: number): Priority => PRIORITIES[n] ?? 'none';

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export function rowToTask(r: TaskRow): Task {
  return {
    id: r.id,
    user_id: r.userId,
    title: r.title,
    description: r.description,
    completed: r.completed,
    completed_at: iso(r.completedAt),
    priority: priorityFromDb(r.priority),
    tags: r.tags,
    due_at: iso(r.dueAt),
    time_zone: r.timeZone,
    reminders: r.reminders,
    recurrence: r.recurrenceRule ? { rule: r.recurrenceRule, mode: r.recurrenceMode === 'completion' ? 'completion' : 'due' } : null,
    series_id: r.seriesId,
    occurrence: r.occurrence,
    created_at: r.createdAt.toISOString(),
    updated_at: r.updatedAt.toISOString(),
    version: r.version,
  };
}
