'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { api } from '@/lib/api';
import { browserNotificationsSupported } from '@/lib/notify';
import { formatRelative } from '@/lib/time';
import type { AppNotification } from '@/lib/types';
import { Bell } from './icons';

export interface NotificationList {
  items: AppNotification[];
  unread_count: number;
}

export function useNotifications(enabled: boolean) {
  return useQuery({
    queryKey: ['notifications'],
    queryFn: () => api<NotificationList>('/notifications'),
    enabled,
    refetchInterval: 60_000,
  });
}

export function NotificationCenter({ onOpenTask, enabled }: { onOpenTask: (id: number) => void; enabled: boolean }) {
  const qc = useQueryClient();
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  const q = useNotifications(enabled);
  const unread = q.data?.unread_count ?? 0;
  const [permission, setPermission] = useState<NotificationPermission | 'unsupported'>('default');
  useEffect(() => setPermission(browserNotificationsSupported() ? Notification.permission : 'unsupported'), [open]);

  const markRead = useMutation({
    mutationFn: (id: AppNotification['id'] | 'all') =>
      api(id === 'all' ? '/notifications/read-all' : `/notifications/${id}/read`, { method: 'POST' }),
    onMutate: (id) => {
      qc.setQueryData<NotificationList>(['notifications'], (old) => {
        if (!old) return old;
        const now = new Date().toISOString();
        const items = old.items.map((n) => (id === 'all' || n.id === id ? { ...n, read_at: n.read_at ?? now } : n));
        return { items, unread_count: items.filter((n) => !n.read_at).length };
      });
    },
    onSettled: () => void qc.invalidateQueries({ queryKey: ['notifications'] }),
  });

  useEffect(() => {
    if (!open) return;
    const onDoc = (e: MouseEvent) => {
      if (ref.current && !ref.current.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && setOpen(false);
    document.addEventListener('mousedown', onDoc);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('mousedown', onDoc);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);

  return (
    <div className="relative" ref={ref}>
      <button
        type="button"
        aria-label={unread ? `Notifications, ${unread} unread` : 'Notifications'}
        aria-expanded={open}
        aria-controls="notification-panel"
        data-testid="notification-bell"
        onClick={() => setOpen((o) => !o)}
        className="relative rounded-md p-2 hover:bg-zinc-100 dark:hover:bg-zinc-800"
      >
        <Bell className="h-5 w-5" />
        {unread > 0 && (
          <span
            data-testid="unread-count"
            className="absolute -right-0.5 -top-0.5 min-w-[1.15rem] rounded-full bg-red-600 px-1 text-center text-[11px] font-semibold leading-[1.15rem] text-white"
          >
            {unread > 99 ? '99+' : unread}
          </span>
        )}
      </button>
      {open && (
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
                    setOpen(false);
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
      )}
    </div>
  );
}
