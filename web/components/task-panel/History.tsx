import type { HistoryEntry } from '@/lib/api/types';
import { useHistory } from '@/lib/queries';
import { formatFull, formatRelative } from '@/lib/time';

const EVENT_LABEL: Record<string, string> = {
  created: 'Created',
  updated: 'Updated',
  completed: 'Completed',
  reopened: 'Reopened',
  deleted: 'Deleted',
};
const FIELD_LABEL: Record<string, string> = {
  title: 'title',
  description: 'description',
  priority: 'priority',
  tags: 'tags',
  due_at: 'due date',
  time_zone: 'time zone',
  reminders: 'reminders',
  recurrence: 'repeat',
  completed: 'status',
};

/** Which of the task's fields an update changed, from the snapshots before and after it. */
function changedFields(prev: HistoryEntry['task_data'] | undefined, entry: HistoryEntry): string[] {
  if (entry.event_type !== 'updated' || !prev) return [];
  const before = prev as Record<string, unknown>;
  const after = entry.task_data as Record<string, unknown>;
  return Object.keys(FIELD_LABEL).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
}

/** Everything that happened to the task, newest first. */
export function History({ taskId }: { taskId: number }) {
  const q = useHistory(taskId);
  if (q.isPending) return <p className="p-4 text-sm text-zinc-600 dark:text-zinc-400">Loading history…</p>;
  if (q.isError)
    return <p className="p-4 text-sm text-red-700 dark:text-red-400">Could not load the history: {(q.error as Error).message}</p>;
  const items = [...q.data.items].sort((a, b) => a.at.localeCompare(b.at));
  if (!items.length) return <p className="p-4 text-sm text-zinc-600 dark:text-zinc-400">No history yet.</p>;
  const rows = items.map((e, i) => ({ e, changed: changedFields(items[i - 1]?.task_data, e) }));
  return (
    <ol className="flex-1 space-y-3 overflow-y-auto px-4 py-4" aria-label="History" data-testid="history">
      {rows.reverse().map(({ e, changed }) => (
        <li key={e.id} className="flex gap-3 text-sm">
          <span aria-hidden className="mt-1.5 h-2 w-2 shrink-0 rounded-full bg-accent-500" />
          <div>
            <p>
              <span className="font-medium">{EVENT_LABEL[e.event_type] ?? e.event_type}</span>
              {changed.length > 0 && (
                <span className="text-zinc-600 dark:text-zinc-400"> {changed.map((c) => FIELD_LABEL[c]).join(', ')}</span>
              )}
            </p>
            <p className="text-xs text-zinc-600 dark:text-zinc-400" title={formatFull(e.at)}>
              {formatRelative(e.at)}
              {e.task_data.title && ` · “${e.task_data.title}”`}
            </p>
          </div>
        </li>
      ))}
    </ol>
  );
}
