/**
 * Ports: the interfaces the use cases (app/) are written against. Adapters in
 * adapters/ implement them — postgres (Drizzle on pg or PGlite), embedded
 * (in-process), dapr (sidecar HTTP API), smtp.
 */
import type { NewTask, Priority, Task, TaskPatch } from '../domain/types.js';
import type { OutboxRecord } from '../domain/events.js';

export type SortField = 'due' | 'priority' | 'title' | 'created' | 'updated' | 'relevance';

export interface ListQuery {
  status: 'all' | 'pending' | 'completed';
  priority?: Priority[];
  tags?: string[];
  tagMode: 'any' | 'all';
  dueFrom?: string;
  dueTo?: string;
  overdue?: boolean;
  noDue?: boolean;
  hasReminder?: boolean;
  recurring?: boolean;
  /** Free-text search: ranked full-text plus prefix matching ("gro" → "groceries"). */
  q?: string;
  sort: SortField;
  order: 'asc' | 'desc';
  limit: number;
  /** Opaque keyset cursor from a previous page. */
  cursor?: string;
  /** Reference instant for "overdue". */
  now: Date;
}

/** A list cursor that does not belong to this query (another sort or search) or is malformed. */
export class InvalidCursorError extends Error {}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
  /**
   * `items` already rendered as the API's JSON array, when the store can produce it
   * (PostgreSQL renders the task JSON itself): the HTTP layer then sends this text
   * instead of parsing rows into objects and stringifying them again.
   */
  itemsJson?: string;
}

export interface TagCount {
  tag: string;
  /** Tasks with this tag, and how many of them are still open. */
  count: number;
  open: number;
}

/** What an update writes: the patch, and the fields a use case derives from it. */
export type TaskChange = TaskPatch & { completed_at?: string | null; series_id?: string | null };

/** A task as inserted: every field of a new task, and its place in a series. */
export type NewTaskRow = Required<NewTask> & { series_id: string | null; occurrence: number };

/** A task as an import writes it: a new row that may be completed already. */
export type ImportedTaskRow = NewTaskRow & { completed: boolean; completed_at: string | null };

/** Task persistence, always scoped to one owner. Runs inside a unit of work. */
export interface TaskRepository {
  get(userId: string, id: number): Promise<Task | null>;
  /** Several tasks in one read, each by its owner and id; the ones that exist, in no particular order. */
  getMany(keys: readonly { userId: string; id: number }[]): Promise<Task[]>;
  list(userId: string, query: ListQuery): Promise<Page<Task>>;
  tags(userId: string): Promise<TagCount[]>;
  insert(userId: string, task: NewTaskRow): Promise<Task>;
  /** Many tasks of one owner in one statement (an import), each possibly completed already; returned in the order given. */
  insertMany(userId: string, tasks: readonly ImportedTaskRow[]): Promise<Task[]>;
  /** Applies the patch if `expectedVersion` (when given) matches; bumps version. */
  update(userId: string, id: number, patch: TaskChange, expectedVersion?: number): Promise<Task | 'not_found' | 'version_mismatch'>;
  delete(userId: string, id: number, expectedVersion?: number): Promise<Task | 'not_found' | 'version_mismatch'>;
  /** For idempotent creation of a recurring task's next occurrence. */
  findOccurrence(userId: string, seriesId: string, occurrence: number): Promise<Task | null>;
}

/** Appends event and reminder-intent records in the same transaction as the change. */
export interface OutboxWriter {
  append(records: OutboxRecord[]): Promise<void>;
  /**
   * Takes the user's write lock (the one an append of their records takes) until the
   * transaction ends: what the transaction reads next includes every write of the user that
   * committed before, and no other write of theirs commits until it does.
   */
  lockUser(userId: string): Promise<void>;
}

/** A scheduled job that has come due, as claimed by the transaction that fires it. */
export interface DueJob {
  name: string;
  dueAt: Date;
  payload: unknown;
}

/** The schedule's side that fires jobs: runs inside a unit of work. */
export interface DueJobs {
  /**
   * Takes up to `limit` jobs due at or before `upTo` off the schedule, earliest first. They
   * are gone once the transaction commits and back if it rolls back; jobs another
   * transaction is claiming are skipped, so each job is claimed once.
   */
  claimDue(upTo: Date, limit: number): Promise<DueJob[]>;
}

export interface Tx {
  tasks: TaskRepository;
  outbox: OutboxWriter;
  notifications: NotificationStore;
  jobs: DueJobs;
}

/** Runs `fn` in one database transaction; everything written through `tx` commits or rolls back together. */
export interface UnitOfWork {
  run<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * Inserts a task and appends the records its creation emits, atomically, in one
   * round trip. `recordsFor` gets the task as known before the write (its id assigned);
   * wherever a record carries that object, the stored task is written instead.
   */
  createTask(userId: string, task: NewTaskRow, recordsFor: (task: Task) => OutboxRecord[]): Promise<Task>;
  /**
   * Applies `change` to `current` if the task is still at its version, and appends the
   * records it emits, in one round trip; null (nothing written) when the task has moved
   * on or is gone. `recordsFor` gets the task as it will be; where a record carries that
   * object, the stored task is written instead.
   */
  updateTask(current: Task, change: TaskChange, recordsFor: (after: Task) => OutboxRecord[]): Promise<Task | null>;
}

/** A committed outbox row as the relay leases it: the record, its sequence number and age. */
export type RelayedRecord = OutboxRecord & { seq: number; created_at: Date };

/**
 * Sends one leased batch (in seq order) and says which rows went out; rows not in `done`
 * are retried on a later pass, and `failure` (if any) is logged and backs the relay off.
 */
export type OutboxDispatch = (records: RelayedRecord[]) => Promise<{ done: Set<number>; failure?: unknown }>;

/** An event as the relay hands it to a publisher. */
export interface PublishedEvent {
  id: string;
  type: string;
  data: unknown;
  /** Outbox sequence number: ordered; the realtime role uses it as the WebSocket event id. */
  seq?: number;
  /** Ordering key (the user id): events with the same key reach consumers in order. */
  key?: string;
  traceparent?: string;
}

/**
 * Publishes a batch of events to one topic, in order (in-process bus, or Dapr bulk publish →
 * Kafka). Resolves with the ids of the events that were not published (empty: all were);
 * rejects when the batch could not be sent at all. `batch.traceparent` is the trace context
 * of the send itself (each event carries its own).
 */
export type EventPublisher = (topic: string, events: PublishedEvent[], batch?: { traceparent?: string }) => Promise<{ failed: string[] }>;

/**
 * Schedules a one-shot job at an exact instant. In both modes the job is a row of the
 * schedule (`scheduled_jobs`); what wakes a process at its time is the platform's alarm —
 * an in-process timer, or one Dapr job per due instant.
 */
export interface JobScheduler {
  schedule(name: string, at: Date, payload: unknown): Promise<void>;
  cancel(name: string): Promise<void>;
}

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

// ── Consumer-side stores ───────────────────────────────────────────────────────────

export interface HistoryEntry {
  id: number;
  event_id: string;
  event_type: string;
  at: string;
  task_data: unknown;
}

/** Append-only task history (audit role). Appending the same event twice is a no-op. */
export interface AuditEntry {
  event_id: string;
  user_id: string;
  task_id: number;
  event_type: string;
  task_data: unknown;
  at: string;
}

export interface AuditStore {
  /** Adds the entries (one statement for all of them); an event id already recorded is skipped. */
  append(entries: AuditEntry[]): Promise<void>;
  history(userId: string, taskId: number, limit: number): Promise<HistoryEntry[]>;
}

export interface Notification {
  id: number;
  task_id: number;
  title: string;
  due_at: string | null;
  remind_at: string;
  created_at: string;
  read_at: string | null;
}

export interface NotificationStore {
  /**
   * Stores the notifications for reminder events, in one statement; for each input, in
   * order, its notification, or null if that event was already stored (or came twice).
   */
  insertMany(
    ns: {
      event_id: string;
      user_id: string;
      task_id: number;
      title: string;
      due_at: string | null;
      remind_at: string;
    }[],
  ): Promise<(Notification | null)[]>;
  list(userId: string, opts: { unreadOnly: boolean; limit: number }): Promise<{ items: Notification[]; unread_count: number }>;
  markRead(userId: string, id: number | 'all'): Promise<number>;
}

export interface Preferences {
  email_reminders: boolean;
  time_zone: string;
}

export interface PreferencesStore {
  get(userId: string): Promise<Preferences>;
  /** Several users' preferences in one read (the defaults for users who never set any). */
  getMany(userIds: readonly string[]): Promise<Map<string, Preferences>>;
  put(userId: string, prefs: Preferences): Promise<Preferences>;
}

export interface SavedView {
  id: number;
  name: string;
  query: Record<string, unknown>;
  created_at: string;
}

export interface ViewStore {
  list(userId: string): Promise<SavedView[]>;
  create(userId: string, name: string, query: Record<string, unknown>): Promise<SavedView | 'duplicate'>;
  remove(userId: string, id: number): Promise<boolean>;
}

export interface UserDirectory {
  email(userId: string): Promise<string | null>;
}

/** Remembers which side effects (e.g. an e-mail) were done for an event, for idempotency. */
export interface ProcessedEvents {
  /** True the first time a (consumer, event id) pair is marked. */
  mark(consumer: string, eventId: string): Promise<boolean>;
  seen(consumer: string, eventId: string): Promise<boolean>;
}

/** Ordered log of a user's task-updates, for WebSocket clients that reconnect. */
export interface UpdatesLog {
  since(userId: string, afterSeq: number, limit: number): Promise<Array<{ seq: number; data: unknown }>>;
  latest(userId: string): Promise<number>;
}

export interface Mailer {
  send(mail: { to: string; subject: string; text: string }): Promise<void>;
}

// ── Identity ───────────────────────────────────────────────────────────────────────

export interface Principal {
  userId: string;
  email?: string;
  /** Seconds since epoch. */
  expiresAt: number;
}

/** A bearer token that is not valid (bad signature, expired, wrong issuer or audience). */
export class InvalidTokenError extends Error {}

/** Verifies a bearer JWT; rejects with InvalidTokenError when it is not valid. */
export type TokenVerifier = (token: string) => Promise<Principal>;

/** The identity provider behind /api/auth (Better Auth): its own HTTP handler, and the session behind a cookie. */
export interface IdentityProvider {
  handler(request: Request): Promise<Response>;
  api: { getSession(opts: { headers: Headers }): Promise<{ user: { id: string } } | null> };
}
