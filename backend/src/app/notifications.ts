/**
 * Notifier: a due reminder becomes an in-app notification (pushed to the user's open
 * clients through `task-updates` in the same transaction) and, if the user asked for
 * it, an e-mail. The notification is unique per reminder event; the e-mail is marked
 * sent per event, so redelivery never notifies twice.
 */
import { randomUUID } from 'node:crypto';
import { SCHEMA_VERSION, TOPICS } from '../domain/events.js';
import type { Clock, Mailer, PreferencesStore, ProcessedEvents, UnitOfWork, UserDirectory } from '../ports/index.js';
import { defineConsumer } from './consumer.js';

export interface NotifierDeps {
  uow: UnitOfWork;
  preferences: PreferencesStore;
  users: UserDirectory;
  processed: ProcessedEvents;
  mailer: Mailer;
  clock: Clock;
  onDelivered?: (channel: 'in_app' | 'email', outcome: 'sent' | 'duplicate' | 'failed') => void;
}

export const notifierConsumer = (deps: NotifierDeps) =>
  defineConsumer({
    name: 'notifier',
    topic: TOPICS.reminders,
    async handle({ data }) {
      const stored = await deps.uow.run(async (tx) => {
        const n = await tx.notifications.insert({
          event_id: data.event_id,
          user_id: data.user_id,
          task_id: data.task_id,
          title: data.title,
          due_at: data.due_at,
          remind_at: data.remind_at,
        });
        if (!n) return null;
        const event_id = randomUUID();
        await tx.outbox.append([
          {
            kind: 'event',
            event_id,
            topic: TOPICS.taskUpdates,
            type: 'notification',
            user_id: data.user_id,
            payload: {
              event_id,
              schema_version: SCHEMA_VERSION,
              user_id: data.user_id,
              type: 'notification',
              notification: { ...n } as { id: number; task_id: number; [k: string]: unknown },
              timestamp: deps.clock.now().toISOString(),
            },
          },
        ]);
        return n;
      });
      deps.onDelivered?.('in_app', stored ? 'sent' : 'duplicate');

      const prefs = await deps.preferences.get(data.user_id);
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
    },
  });
