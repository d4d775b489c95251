'use client';
import { useEffect, useState } from 'react';
import { useMarkNotificationsRead } from '@/lib/mutations';
import { browserNotificationsSupported } from '@/lib/notify';
import { useNotifications } from '@/lib/queries';
import { formatRelative } from '@/lib/time';

/** The bell's drop-down: reminders newest first, mark read, and the offer to turn on desktop notifications. */
export function NotificationPanel({ onOpenTask, onClose }: { onOpenTask: (id: number) => void; onClose: () => void }) {
  const q = useNotifications(true);
  const unread = q.data?.unread_count ?? 0;
  const [permission, setPermission] = useState<NotificationPermission | 'unsupported'>('default');
  useEffect(() => setPermission(browserNotificationsSupported() ? Notification.permission : 'unsupported'), []);
  const markRead = useMarkNotificationsRead();
  return (
    <div
      id="notification-panel"
      role="region"
      aria-label="Notifications"
      className="absolute right-0 z-40 mt-2 w-[min(22rem,calc(100vw-1.5rem))] overflow-hidden rounded-xl border border-zinc-200 bg-white shadow-xl dark:border-zinc-800 dark:bg-zinc-900"
    >
      <div className="flex items-center border-b border-zinc-200 px-4 py-2.5 dark:border-zinc-800">
        <h2 className="text-sm font-semibold">Notifications</h2>
        {unread > 0 && (
          <button
            type="button"
            onClick={() => markRead.mutate('all')}
            className="ml-auto text-xs font-medium text-accent-700 hover:underline dark:text-accent-400"
          >
            Mark all read
          </button>
        )}
      </div>
      {permission === 'default' && (
        <div className="border-b border-zinc-200 bg-accent-50 px-4 py-2.5 text-xs dark:border-zinc-800 dark:bg-accent-700/15">
          Get reminders even when Kairos is in the background.{' '}
          <button
            type="button"
            className="font-semibold text-accent-700 underline dark:text-accent-400"
            onClick={() => void Notification.requestPermission().then(setPermission)}
          >
            Turn on desktop notifications
          </button>
        </div>
      )}
      {permission === 'denied' && (
        <p className="border-b border-zinc-200 px-4 py-2 text-xs text-zinc-600 dark:border-zinc-800 dark:text-zinc-400">
          Desktop notifications are blocked in this browser’s site settings; reminders still show here.
        </p>
      )}
      <ul className="max-h-96 overflow-y-auto" data-testid="notification-list">
        {q.isPending && <li className="px-4 py-6 text-center text-sm text-zinc-600 dark:text-zinc-400">Loading…</li>}
        {q.isError && <li className="px-4 py-6 text-center text-sm text-red-700 dark:text-red-400">Could not load notifications.</li>}
        {q.data && q.data.items.length === 0 && (
          <li className="px-4 py-8 text-center text-sm text-zinc-600 dark:text-zinc-400">
            No reminders yet. Add one to a task and it shows up here.
          </li>
        )}
        {q.data?.items.map((n) => (
          <li key={String(n.id)} className="border-b border-zinc-100 last:border-0 dark:border-zinc-800">
            <button
              type="button"
              onClick={() => {
                if (!n.read_at) markRead.mutate(n.id);
                onOpenTask(n.task_id);
                onClose();
              }}
              className="flex w-full gap-3 px-4 py-3 text-left hover:bg-zinc-50 dark:hover:bg-zinc-800"
            >
              <span aria-hidden className={`mt-1.5 h-2 w-2 shrink-0 rounded-full ${n.read_at ? 'bg-transparent' : 'bg-accent-500'}`} />
              <span className="min-w-0">
                <span className={`block truncate text-sm ${n.read_at ? '' : 'font-semibold'}`}>{n.title}</span>
                <span className="block text-xs text-zinc-600 dark:text-zinc-400">
                  {n.read_at ? '' : <span className="sr-only">Unread. </span>}
                  Reminder {formatRelative(n.remind_at)}
                  {n.due_at && ` · due ${new Date(n.due_at).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })}`}
                </span>
              </span>
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
