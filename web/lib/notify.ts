'use client';
import type { AppNotification } from './types';

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
