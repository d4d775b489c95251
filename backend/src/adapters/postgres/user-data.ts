/** Stores for what consumers and users keep besides tasks: history, notifications, preferences, views. */
import { and, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type {
  AuditStore,
  Notification,
  NotificationStore,
  Preferences,
  PreferencesStore,
  ProcessedEvents,
  SavedView,
  UpdatesLog,
  UserDirectory,
  ViewStore,
} from '../../ports/index.js';
import { TOPICS } from '../../domain/events.js';
import { sqlRunner, type Db } from './db.js';
import { auditLog, notifications, processedEvents, savedViews, user, userPreferences } from './schema.js';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/**
 * A delivered batch of audit entries as one statement whose text is the same for any number
 * of entries (they travel as one JSON array), so it is prepared once per connection; a
 * redelivered event is skipped by its id.
 */
const AUDIT_APPEND = `insert into audit_log (event_id, user_id, task_id, event_type, task_data, at)
  select event_id, user_id, task_id, event_type, task_data, at from jsonb_to_recordset($1::text::jsonb)
    as r(event_id uuid, user_id text, task_id integer, event_type text, task_data jsonb, at timestamptz)
  on conflict (event_id) do nothing`;

export function createAuditStore(db: Db): AuditStore {
  return {
    async append(entries) {
      if (entries.length === 0) return;
      await sqlRunner(db).query(AUDIT_APPEND, [JSON.stringify(entries)]);
    },
    async history(userId, taskId, limit) {
      const rows = await db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.userId, userId), eq(auditLog.taskId, taskId)))
        // Event time, not arrival order: with several relays (api replicas) events may arrive out of order.
        .orderBy(desc(auditLog.at), desc(auditLog.id))
        .limit(limit);
      return rows.map((r) => ({ id: r.id, event_id: r.eventId, event_type: r.eventType, at: r.at.toISOString(), task_data: r.taskData }));
    },
  };
}

function toNotification(r: typeof notifications.$inferSelect): Notification {
  return {
    id: r.id,
    task_id: r.taskId,
    title: r.title,
    due_at: iso(r.dueAt),
    remind_at: r.remindAt.toISOString(),
    created_at: r.createdAt.toISOString(),
    read_at: iso(r.readAt),
  };
}

/**
 * A delivery's notifications in one plain statement (a query builder cost the notifier more
 * CPU than the database under a burst of reminders); an event already stored is skipped.
 */
const INSERT_NOTIFICATIONS = `insert into notifications (event_id, user_id, task_id, title, due_at, remind_at)
  select event_id, user_id, task_id, title, due_at, remind_at
  from jsonb_to_recordset($1::text::jsonb)
    as r(event_id uuid, user_id text, task_id int, title text, due_at timestamptz, remind_at timestamptz)
  on conflict (event_id) do nothing
  returning id, event_id::text, to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as created_at`;

export function createNotificationStore(db: Db): NotificationStore {
  return {
    async insertMany(ns) {
      if (ns.length === 0) return [];
      // one statement whatever the batch size: the rows travel as one JSON array
      const rows = await sqlRunner(db).query<{ id: string | number; event_id: string; created_at: string }>(INSERT_NOTIFICATIONS, [
        JSON.stringify(ns.map((n) => ({ ...n, due_at: n.due_at ?? null }))),
      ]);
      // RETURNING gives the inserted rows only, in no promised order: match them by event id
      const inserted = new Map(rows.map((r) => [r.event_id, r]));
      return ns.map((n) => {
        const row = inserted.get(n.event_id);
        inserted.delete(n.event_id); // the same event twice in one batch is stored once
        if (!row) return null;
        return {
          id: Number(row.id),
          task_id: n.task_id,
          title: n.title,
          due_at: n.due_at ? new Date(n.due_at).toISOString() : null,
          remind_at: new Date(n.remind_at).toISOString(),
          created_at: row.created_at,
          read_at: null,
        };
      });
    },
    async list(userId, { unreadOnly, limit }) {
      const rows = await db
        .select()
        .from(notifications)
        .where(and(eq(notifications.userId, userId), unreadOnly ? isNull(notifications.readAt) : undefined))
        .orderBy(desc(notifications.id))
        .limit(limit);
      const [count] = await db
        .select({ n: sql<number>`count(*)::int` })
        .from(notifications)
        .where(and(eq(notifications.userId, userId), isNull(notifications.readAt)));
      return { items: rows.map(toNotification), unread_count: count?.n ?? 0 };
    },
    async markRead(userId, id) {
      const rows = await db
        .update(notifications)
        .set({ readAt: new Date() })
        .where(and(eq(notifications.userId, userId), isNull(notifications.readAt), id === 'all' ? undefined : eq(notifications.id, id)))
        .returning({ id: notifications.id });
      return rows.length;
    },
  };
}

const preferencesOf = (row: typeof userPreferences.$inferSelect | undefined): Preferences => ({
  email_reminders: row?.emailReminders ?? false,
  time_zone: row?.timeZone ?? 'UTC',
});

export function createPreferencesStore(db: Db): PreferencesStore {
  return {
    async get(userId) {
      const [row] = await db.select().from(userPreferences).where(eq(userPreferences.userId, userId));
      return preferencesOf(row);
    },
    async getMany(userIds) {
      const unique = [...new Set(userIds)];
      const rows = unique.length ? await db.select().from(userPreferences).where(inArray(userPreferences.userId, unique)) : [];
      const byUser = new Map(rows.map((r) => [r.userId, r]));
      return new Map(unique.map((id) => [id, preferencesOf(byUser.get(id))]));
    },
    async put(userId, p) {
      await db
        .insert(userPreferences)
        .values({ userId, emailReminders: p.email_reminders, timeZone: p.time_zone })
        .onConflictDoUpdate({
          target: userPreferences.userId,
          set: { emailReminders: p.email_reminders, timeZone: p.time_zone, updatedAt: new Date() },
        });
      return p;
    },
  };
}

export function createViewStore(db: Db): ViewStore {
  const toView = (r: typeof savedViews.$inferSelect): SavedView => ({
    id: r.id,
    name: r.name,
    query: r.query as Record<string, unknown>,
    created_at: r.createdAt.toISOString(),
  });
  return {
    async list(userId) {
      return (await db.select().from(savedViews).where(eq(savedViews.userId, userId)).orderBy(savedViews.name)).map(toView);
    },
    async create(userId, name, query) {
      const rows = await db.insert(savedViews).values({ userId, name, query }).onConflictDoNothing().returning();
      return rows[0] ? toView(rows[0]) : 'duplicate';
    },
    async remove(userId, id) {
      const rows = await db
        .delete(savedViews)
        .where(and(eq(savedViews.userId, userId), eq(savedViews.id, id)))
        .returning({ id: savedViews.id });
      return rows.length > 0;
    },
  };
}

export function createUserDirectory(db: Db): UserDirectory {
  return {
    async email(userId) {
      const [row] = await db.select({ email: user.email }).from(user).where(eq(user.id, userId));
      return row?.email ?? null;
    },
  };
}

export function createProcessedEvents(db: Db): ProcessedEvents {
  return {
    async mark(consumer, eventId) {
      const rows = await db
        .insert(processedEvents)
        .values({ consumer, eventId })
        .onConflictDoNothing()
        .returning({ c: processedEvents.consumer });
      return rows.length > 0;
    },
    async seen(consumer, eventId) {
      const rows = await db
        .select({ c: processedEvents.consumer })
        .from(processedEvents)
        .where(and(eq(processedEvents.consumer, consumer), eq(processedEvents.eventId, eventId)));
      return rows.length > 0;
    },
  };
}

// Prepared statements (db.ts): every WebSocket that connects or resumes runs them, and built
// by Drizzle they were planned each time — planning cost more than running them.
const UPDATES_SINCE = `select seq, payload from outbox
  where user_id = $1 and topic = '${TOPICS.taskUpdates}' and seq > $2
    and seq < (select coalesce(min(seq), 9223372036854775807) from outbox where sent_at is null and user_id = $1)
  order by seq limit $3`;
const UPDATES_LATEST = `select coalesce(max(seq), 0) as seq from outbox where user_id = $1 and topic = '${TOPICS.taskUpdates}'`;

/**
 * The outbox keeps sent task-updates for a while; that is the replay log. A replay stops
 * below the user's oldest unsent row: what it returns is what the relay has published, in
 * order. Per user, because relay lanes send different users' rows independently — a row
 * waiting in one lane must not hold back every other user's replay.
 */
export function createUpdatesLog(db: Db): UpdatesLog {
  return {
    async since(userId, afterSeq, limit) {
      const rows = await sqlRunner(db).query<{ seq: string | number | bigint; payload: unknown }>(UPDATES_SINCE, [userId, afterSeq, limit]);
      // int8 arrives as text (node-postgres) or a number / BigInt (PGlite); seqs stay far below 2^53
      return rows.map((r) => ({ seq: Number(r.seq), data: r.payload }));
    },
    async latest(userId) {
      const [row] = await sqlRunner(db).query<{ seq: string | number | bigint }>(UPDATES_LATEST, [userId]);
      return Number(row?.seq ?? 0);
    },
  };
}
