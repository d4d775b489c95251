'use client';
import { lazy, Suspense, useEffect, useRef, useState } from 'react';
import { useNotifications } from '@/lib/queries';
import { Bell } from './icons';

// The list of reminders loads when the bell is first opened.
const NotificationPanel = lazy(() => import('./NotificationPanel').then((m) => ({ default: m.NotificationPanel })));

export function NotificationCenter({ onOpenTask, enabled }: { onOpenTask: (id: number) => void; enabled: boolean }) {
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  const q = useNotifications(enabled);
  const unread = q.data?.unread_count ?? 0;

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
      <Suspense>{open && <NotificationPanel onOpenTask={onOpenTask} onClose={() => setOpen(false)} />}</Suspense>
    </div>
  );
}
