/**
 * The database schema (Drizzle). One schema for both drivers: PGlite (embedded
 * default) and PostgreSQL (distributed mode). Migrations in backend/drizzle/ are
 * generated from this file with `npm run db:generate -w backend`.
 */
import { sql, type SQL } from 'drizzle-orm';
import {
  bigserial,
  boolean,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  serial,
  smallint,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import type { Reminder } from '../../domain/types.js';

const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });
const tstz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

// ── Better Auth (field names are Better Auth's; columns are snake_case) ──────────
export const user = pgTable('user', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  email: text('email').notNull().unique(),
  emailVerified: boolean('email_verified').notNull().default(false),
  image: text('image'),
  createdAt: tstz('created_at').notNull().defaultNow(),
  updatedAt: tstz('updated_at').notNull().defaultNow(),
});

export const session = pgTable(
  'session',
  {
    id: text('id').primaryKey(),
    expiresAt: tstz('expires_at').notNull(),
    token: text('token').notNull().unique(),
    createdAt: tstz('created_at').notNull().defaultNow(),
    updatedAt: tstz('updated_at').notNull().defaultNow(),
    ipAddress: text('ip_address'),
    userAgent: text('user_agent'),
    userId: text('user_id')
      .notNull()
      .references(() => user.id, { onDelete: 'cascade' }),
  },
  (t) => [index('session_user_idx').on(t.userId)],
);

export const account = pgTable(
  'account',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id').notNull(),
    providerId: text('provider_id').notNull(),
    userId: text('user_id')
      .notNull()
      .references(() => user.id, { onDelete: 'cascade' }),
    accessToken: text('access_token'),
    refreshToken: text('refresh_token'),
    idToken: text('id_token'),
    accessTokenExpiresAt: tstz('access_token_expires_at'),
    refreshTokenExpiresAt: tstz('refresh_token_expires_at'),
    scope: text('scope'),
    password: text('password'),
    createdAt: tstz('created_at').notNull().defaultNow(),
    updatedAt: tstz('updated_at').notNull().defaultNow(),
  },
  (t) => [index('account_user_idx').on(t.userId)],
);

export const verification = pgTable('verification', {
  id: text('id').primaryKey(),
  identifier: text('identifier').notNull(),
  value: text('value').notNull(),
  expiresAt: tstz('expires_at').notNull(),
  createdAt: tstz('created_at').notNull().defaultNow(),
  updatedAt: tstz('updated_at').notNull().defaultNow(),
});

export const jwks = pgTable('jwks', {
  id: text('id').primaryKey(),
  publicKey: text('public_key').notNull(),
  privateKey: text('private_key').notNull(),
  createdAt: tstz('created_at').notNull(),
  expiresAt: tstz('expires_at'),
  alg: text('alg'),
  crv: text('crv'),
});

// ── Tasks ────────────────────────────────────────────────────────────────────────
export const tasks = pgTable(
  'tasks',
  {
    id: serial('id').primaryKey(),
    userId: text('user_id').notNull(),
    title: text('title').notNull(),
    description: text('description').notNull().default(''),
    completed: boolean('completed').notNull().default(false),
    completedAt: tstz('completed_at'),
    /** 0 none … 3 high, so that "sort by priority" is an index scan. */
    priority: smallint('priority').notNull().default(0),
    tags: text('tags')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    dueAt: tstz('due_at'),
    timeZone: text('time_zone').notNull().default('UTC'),
    reminders: jsonb('reminders')
      .$type<Reminder[]>()
      .notNull()
      .default(sql`'[]'::jsonb`),
    hasReminder: boolean('has_reminder').notNull().default(false),
    recurrenceRule: text('recurrence_rule'),
    recurrenceMode: text('recurrence_mode'),
    /**
     * describeRecurrence(rule, mode), computed by the repository on write so that the
     * database can render the API's task JSON on its own (see `apiJson`).
     */
    recurrenceSummary: text('recurrence_summary'),
    seriesId: uuid('series_id'),
    occurrence: integer('occurrence').notNull().default(1),
    createdAt: tstz('created_at').notNull().defaultNow(),
    updatedAt: tstz('updated_at').notNull().defaultNow(),
    version: integer('version').notNull().default(1),
    /**
     * The task as the API's JSON text, rendered by PostgreSQL on every insert and update
     * (trigger `tasks_render_api_json`, drizzle/0003_task_api_json.sql). Reads hand it to
     * the response as it is: a page of 50 is one index scan and no per-row rendering.
     */
    apiJson: text('api_json').notNull(),
    /** Title weighs more than description; 'simple' keeps words as typed, so any language works. */
    search: tsvector('search').generatedAlwaysAs(
      (): SQL =>
        sql`setweight(to_tsvector('simple', coalesce(title, '')), 'A') || setweight(to_tsvector('simple', coalesce(description, '')), 'B')`,
    ),
  },
  (t) => [
    // Keyset-pagination indexes: (owner, sort key, id) for each sort the list offers.
    index('tasks_user_due_idx').on(t.userId, t.dueAt, t.id),
    index('tasks_user_priority_idx').on(t.userId, t.priority, t.id),
    index('tasks_user_created_idx').on(t.userId, t.createdAt, t.id),
    index('tasks_user_updated_idx').on(t.userId, t.updatedAt, t.id),
    index('tasks_user_title_idx').on(t.userId, sql`lower(${t.title})`, t.id),
    index('tasks_user_open_due_idx')
      .on(t.userId, t.dueAt)
      .where(sql`${t.completed} = false`),
    index('tasks_tags_idx').using('gin', t.tags),
    index('tasks_search_idx').using('gin', t.search),
    // One row per occurrence of a series: creating the next occurrence twice is a no-op.
    uniqueIndex('tasks_series_occurrence_uq')
      .on(t.userId, t.seriesId, t.occurrence)
      .where(sql`${t.seriesId} is not null`),
  ],
);

// ── Transactional outbox ───────────────────────────────────────────────────────────
/**
 * Every change writes its events here in the same transaction; the relay publishes
 * them and stamps `sent_at`. Sent rows are kept for a while: `task-updates` rows are
 * the replay log for WebSocket clients that reconnect with their last event id.
 */
export const outbox = pgTable(
  'outbox',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    eventId: uuid('event_id').notNull().unique(),
    /** 'event' → publish to `topic`; 'reminder-jobs' → schedule/cancel reminder jobs. */
    kind: text('kind').notNull(),
    topic: text('topic'),
    type: text('type').notNull(),
    userId: text('user_id').notNull(),
    payload: jsonb('payload').notNull(),
    traceparent: text('traceparent'),
    createdAt: tstz('created_at').notNull().defaultNow(),
    sentAt: tstz('sent_at'),
    /** A relay's lease on the row while it dispatches; expired leases are claimed again. */
    lockedUntil: tstz('locked_until'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
  },
  (t) => [
    index('outbox_unsent_idx')
      .on(t.seq)
      .where(sql`${t.sentAt} is null`),
    index('outbox_user_topic_idx').on(t.userId, t.topic, t.seq),
    // a user's unsent rows: the relay's lease (does another relay hold an earlier one?) and the replay's cap
    index('outbox_unsent_user_idx')
      .on(t.userId, t.seq)
      .where(sql`${t.sentAt} is null`),
  ],
);

// ── The schedule of reminder jobs (both modes; adapters/postgres/scheduled-jobs.ts) ───────
export const scheduledJobs = pgTable(
  'scheduled_jobs',
  {
    name: text('name').primaryKey(),
    dueAt: tstz('due_at').notNull(),
    payload: jsonb('payload').notNull(),
    createdAt: tstz('created_at').notNull().defaultNow(),
  },
  (t) => [index('scheduled_jobs_due_idx').on(t.dueAt)],
);

// ── Consumers ────────────────────────────────────────────────────────────────────
/** Idempotency: one row per (consumer, event id) handled. */
export const processedEvents = pgTable(
  'processed_events',
  {
    consumer: text('consumer').notNull(),
    eventId: text('event_id').notNull(),
    processedAt: tstz('processed_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.consumer, t.eventId] }), index('processed_events_at_idx').on(t.processedAt)],
);

/** Events a consumer gave up on after bounded retries (embedded mode's dead-letter topic). */
export const deadLetters = pgTable('dead_letters', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  topic: text('topic').notNull(),
  consumer: text('consumer').notNull(),
  eventId: text('event_id'),
  payload: jsonb('payload').notNull(),
  reason: text('reason').notNull(),
  createdAt: tstz('created_at').notNull().defaultNow(),
});

/** Append-only history of every task operation. */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    eventId: uuid('event_id').notNull().unique(),
    userId: text('user_id').notNull(),
    taskId: integer('task_id').notNull(),
    eventType: text('event_type').notNull(),
    taskData: jsonb('task_data').notNull(),
    at: tstz('at').notNull(),
  },
  (t) => [index('audit_user_task_idx').on(t.userId, t.taskId, t.id), index('audit_user_idx').on(t.userId, t.id)],
);

export const notifications = pgTable(
  'notifications',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    eventId: uuid('event_id').notNull().unique(),
    userId: text('user_id').notNull(),
    taskId: integer('task_id').notNull(),
    title: text('title').notNull(),
    dueAt: tstz('due_at'),
    remindAt: tstz('remind_at').notNull(),
    createdAt: tstz('created_at').notNull().defaultNow(),
    readAt: tstz('read_at'),
  },
  (t) => [index('notifications_user_idx').on(t.userId, t.id)],
);

export const userPreferences = pgTable('user_preferences', {
  userId: text('user_id').primaryKey(),
  emailReminders: boolean('email_reminders').notNull().default(false),
  timeZone: text('time_zone').notNull().default('UTC'),
  updatedAt: tstz('updated_at').notNull().defaultNow(),
});

export const savedViews = pgTable(
  'saved_views',
  {
    id: serial('id').primaryKey(),
    userId: text('user_id').notNull(),
    name: text('name').notNull(),
    query: jsonb('query').notNull(),
    createdAt: tstz('created_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('saved_views_user_name_uq').on(t.userId, t.name)],
);

// ── The assistant ────────────────────────────────────────────────────────────────
/** Long-lived bearer tokens a user creates for MCP clients; only a hash is stored. */
export const personalAccessTokens = pgTable(
  'personal_access_tokens',
  {
    id: serial('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => user.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    tokenHash: text('token_hash').notNull().unique(),
    prefix: text('prefix').notNull(),
    createdAt: tstz('created_at').notNull().defaultNow(),
    lastUsedAt: tstz('last_used_at'),
    revokedAt: tstz('revoked_at'),
  },
  (t) => [index('personal_access_tokens_user_idx').on(t.userId)],
);

/** Chat conversations (embedded mode; the distributed mode keeps them in the Dapr state store). */
export const conversations = pgTable(
  'conversations',
  {
    id: uuid('id').primaryKey(),
    userId: text('user_id').notNull(),
    title: text('title').notNull(),
    createdAt: tstz('created_at').notNull().defaultNow(),
    updatedAt: tstz('updated_at').notNull().defaultNow(),
  },
  (t) => [index('conversations_user_updated_idx').on(t.userId, t.updatedAt)],
);

export const conversationMessages = pgTable(
  'conversation_messages',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    role: text('role').notNull(),
    content: text('content').notNull(),
    toolCalls: jsonb('tool_calls')
      .notNull()
      .default(sql`'[]'::jsonb`),
    createdAt: tstz('created_at').notNull().defaultNow(),
  },
  (t) => [index('conversation_messages_conversation_idx').on(t.conversationId, t.id)],
);
