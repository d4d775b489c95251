'use client';
import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useRef } from 'react';
import type { AppNotification, NotificationList } from './api/types';
import { toast } from './toast';

const SHOWN_KEY = 'kairos.notified';

export function browserNotificationsSupported(): boolean {
  return typeof window !== 'undefined' && 'Notification' in window;
}

function shown(): Set<string> {
  try {
    return new Set(JSON.parse(sessionStorage.getItem(SHOWN_KEY) ?? '[]') as string[]);
  } catch {
    return new Set();
  }
}

/** Shows each reminder once per tab session as a system notification (when allowed). */
export function showBrowserNotification(n: AppNotification, onClick: () => void): boolean {
  if (!browserNotificationsSupported() || Notification.permission !== 'granted') return false;
  const seen = shown();
  const id = String(n.id);
  if (seen.has(id)) return false;
  seen.add(id);
  sessionStorage.setItem(SHOWN_KEY, JSON.stringify([...seen].slice(-200)));
  const due = n.due_at ? new Date(n.due_at).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : null;
  try {
    const notification = new Notification(n.title, {
      body: due ? `Due ${due}` : 'Reminder',
      tag: `kairos-reminder-${id}`,
    });
    notification.onclick = () => {
      window.focus();
      onClick();
      notification.close();
    };
    return true;
  } catch {
    return false;
  }
}

/**
 * Announces reminders: one from the realtime socket (`onNotification`) as a toast and a
 * system notification; one that arrives by polling (e.g. while the socket was down) as a
 * system notification. Either opens its task when clicked.
 */
export function useReminderAlerts(openTask: (id: number) => void) {
  const qc = useQueryClient();
  const known = useRef<Set<string> | null>(null);
  useEffect(() => {
    return qc.getQueryCache().subscribe((ev) => {
      if (ev.type !== 'updated' || ev.query.queryKey[0] !== 'notifications') return;
      const data = ev.query.state.data as NotificationList | undefined;
      if (!data) return;
      if (!known.current) {
        known.current = new Set(data.items.map((n) => String(n.id)));
        return;
      }
      for (const n of data.items) {
        if (known.current.has(String(n.id))) continue;
        known.current.add(String(n.id));
        if (!n.read_at && Date.now() - new Date(n.created_at).getTime() < 10 * 60_000)
          showBrowserNotification(n, () => openTask(n.task_id));
      }
    });
  }, [qc, openTask]);
  return useCallback(
    (n: AppNotification) => {
      toast({ message: `Reminder: ${n.title}`, action: { label: 'Open', run: () => openTask(n.task_id) }, timeout: 10_000 });
      showBrowserNotification(n, () => openTask(n.task_id));
    },
    [openTask],
  );
}
