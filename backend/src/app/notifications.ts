/**
 * Notifier: a due reminder becomes an in-app notification (pushed to the user's open
 * clients through `task-updates` in the same transaction) and, if the user asked for
 * it, an e-mail. The notification is unique per reminder event; the e-mail is marked
 * sent per event, so redelivery never notifies twice.
 */
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { SCHEMA_VERSION, TOPICS, type EVENT_SCHEMAS, type OutboxRecord } from '../domain/events.js';
import type { Clock, Mailer, Preferences, PreferencesStore, ProcessedEvents, UnitOfWork, UserDirectory } from '../ports/index.js';
import { defineConsumer, type Envelope } from './consumer.js';

export interface NotifierDeps {
  uow: UnitOfWork;
  preferences: PreferencesStore;
  users: UserDirectory;
  processed: ProcessedEvents;
  mailer: Mailer;
  clock: Clock;
  onDelivered?: (channel: 'in_app' | 'email', outcome: 'sent' | 'duplicate' | 'failed') => void;
}

type ReminderDue = z.infer<(typeof EVENT_SCHEMAS)['reminders']>;

export const notifierConsumer = (deps: NotifierDeps) => {
  /**
   * In-app first, for every event in one transaction of two statements: a notification
   * each (none for an event already stored) and their `task-updates` events.
   */
  async function storeInApp(events: Envelope<ReminderDue>[]) {
    const stored = await deps.uow.run(async (tx) => {
      const notifications = await tx.notifications.insertMany(
        events.map(({ data }) => ({
          event_id: data.event_id,
          user_id: data.user_id,
          task_id: data.task_id,
          title: data.title,
          due_at: data.due_at,
          remind_at: data.remind_at,
        })),
      );
      const updates: OutboxRecord[] = [];
      notifications.forEach((n, i) => {
        if (!n) return;
        const { data, traceparent } = events[i]!;
        const event_id = randomUUID();
        updates.push({
          kind: 'event',
          event_id,
          topic: TOPICS.taskUpdates,
          type: 'notification',
          user_id: data.user_id,
          ...(traceparent ? { traceparent } : {}),
          payload: {
            event_id,
            schema_version: SCHEMA_VERSION,
            user_id: data.user_id,
            type: 'notification',
            notification: { ...n } as { id: number; task_id: number; [k: string]: unknown },
            timestamp: deps.clock.now().toISOString(),
          },
        });
      });
      await tx.outbox.append(updates);
      return notifications;
    });
    for (const n of stored) deps.onDelivered?.('in_app', n ? 'sent' : 'duplicate');
  }

  /** Then e-mail, where the user asked for it, once per event (marked sent after sending). */
  async function sendEmail(data: ReminderDue, prefs: Preferences) {
    if (!prefs.email_reminders || (await deps.processed.seen('notifier-email', data.event_id))) return;
    const to = await deps.users.email(data.user_id);
    if (!to) return;
    const due = data.due_at
      ? new Date(data.due_at).toLocaleString('en-GB', { timeZone: prefs.time_zone, dateStyle: 'medium', timeStyle: 'short' })
      : null;
    try {
      await deps.mailer.send({
        to,
        subject: `Reminder: ${data.title}`,
        text: due ? `"${data.title}" is due ${due} (${prefs.time_zone}).` : `Reminder: "${data.title}".`,
      });
    } catch (err) {
      deps.onDelivered?.('email', 'failed');
      throw err; // retried by the delivery adapter; the in-app part above is already idempotent
    }
    await deps.processed.mark('notifier-email', data.event_id);
    deps.onDelivered?.('email', 'sent');
  }

  async function handleBatch(events: Envelope<ReminderDue>[]) {
    if (events.length === 0) return;
    await storeInApp(events);
    // every owner's preferences in one read: a burst spans many users
    const prefs = await deps.preferences.getMany(events.map(({ data }) => data.user_id));
    for (const { data } of events) await sendEmail(data, prefs.get(data.user_id)!);
  }

  return defineConsumer({
    name: 'notifier',
    topic: TOPICS.reminders,
    handle: (event) => handleBatch([event]),
    handleBatch,
  });
};
