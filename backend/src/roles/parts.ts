/**
 * Wiring shared by the embedded role `all` and the distributed roles: the same stores,
 * use cases, relay and HTTP plugins; each role only chooses the adapters (in-process
 * bus or Dapr pub/sub, database scheduler or Dapr Jobs, SMTP or the Dapr binding).
 */
import type { FastifyPluginAsync } from 'fastify';
import { createOutboxRelay, dispatchByKey, type OutboxRelay, type RelayedRecord } from '../adapters/postgres/outbox-relay.js';
import { createUnitOfWork } from '../adapters/postgres/outbox.js';
import { createTaskRepository } from '../adapters/postgres/task-repository.js';
import {
  createAuditStore,
  createNotificationStore,
  createPreferencesStore,
  createProcessedEvents,
  createUpdatesLog,
  createUserDirectory,
  createViewStore,
} from '../adapters/postgres/user-data.js';
import { createReminderFiring } from '../app/reminders.js';
import { createTaskService, type TaskService } from '../app/tasks.js';
import { createAuth, type Auth } from '../adapters/auth/better-auth.js';
import { createTokenVerifier } from '../adapters/auth/verifier.js';
import type { ReminderJobPayload } from '../domain/events.js';
import { createAuthenticate, type Authenticate } from '../http/authenticate.js';
import { authRoutes } from '../http/routes/auth.js';
import { compatRoutes } from '../http/routes/compat.js';
import { taskRoutes } from '../http/routes/tasks.js';
import { userDataRoutes } from '../http/routes/user-data.js';
import { SpanKind, SpanStatusCode, startSpan, traceparentOf } from '../observability/tracing.js';
import { metricsObserver, type DeliveryObserver } from '../app/delivery.js';
import type { EventPublisher, JobScheduler, PublishedEvent, UnitOfWork } from '../ports/index.js';
import type { Core } from './core.js';

export function createStores(core: Core) {
  const { db } = core.database;
  return {
    reader: createTaskRepository(db),
    audit: createAuditStore(db),
    notifications: createNotificationStore(db),
    preferences: createPreferencesStore(db),
    views: createViewStore(db),
    users: createUserDirectory(db),
    processed: createProcessedEvents(db),
    updatesLog: createUpdatesLog(db),
  };
}
export type Stores = ReturnType<typeof createStores>;

/** The unit of work, its relay kick, and the task use cases. */
export function createTaskCore(core: Core, stores: Stores) {
  let kick = () => {};
  const uow: UnitOfWork = createUnitOfWork(core.database.db, () => kick());
  const tasks: TaskService = createTaskService({ uow, reader: stores.reader, clock: core.clock });
  const fireReminder = createReminderFiring({ uow, reader: stores.reader, clock: core.clock });
  return { uow, tasks, fireReminder, setKick: (fn: () => void) => (kick = fn) };
}

type EventRecord = Extract<RelayedRecord, { kind: 'event' }>;
type JobRecord = Extract<RelayedRecord, { kind: 'reminder-jobs' }>;

/** An outbox event as publishers see it; the user id is the ordering (partition) key. */
export const toPublished = (r: EventRecord): PublishedEvent => ({
  id: r.event_id,
  type: r.type,
  data: r.payload,
  seq: r.seq,
  key: r.user_id,
  ...(r.traceparent ? { traceparent: r.traceparent } : {}),
});

/**
 * Relays the outbox: each topic's events go to `publish` as one ordered batch, reminder-job
 * records to `scheduler` (one user's jobs in order, several users at once).
 */
export function createRelay(core: Core, deps: { publish: EventPublisher; scheduler: JobScheduler }): OutboxRelay {
  const { metrics, logger } = core;

  async function scheduleJobs(record: JobRecord) {
    for (const name of record.payload.cancel) await deps.scheduler.cancel(name);
    for (const job of record.payload.schedule) {
      const payload: ReminderJobPayload = { user_id: record.user_id, task_id: record.payload.task_id, remind_at: job.remind_at };
      await deps.scheduler.schedule(job.name, new Date(job.remind_at), payload);
    }
    metrics.remindersScheduled.inc({ action: 'schedule' }, record.payload.schedule.length);
    metrics.remindersScheduled.inc({ action: 'cancel' }, record.payload.cancel.length);
  }

  async function publishTopic(topic: string, records: EventRecord[]): Promise<{ done: number[]; failure?: unknown }> {
    try {
      // one producer span per event, continuing the trace of the request that wrote it
      const spans = records.map((r) =>
        startSpan(`publish ${topic}`, {
          kind: SpanKind.PRODUCER,
          parent: r.traceparent,
          attributes: {
            'messaging.system': 'kafka',
            'messaging.operation.type': 'send',
            'messaging.destination.name': topic,
            'messaging.message.id': r.event_id,
          },
        }),
      );
      // …and one span for the batch's single send, in a trace of its own linked to each
      // event's (OpenTelemetry's batch convention); the sidecar's request span joins it
      const send = startSpan(`send ${topic}`, {
        kind: SpanKind.PRODUCER,
        root: true,
        links: spans.map((s) => ({ context: s.span.spanContext() })),
        attributes: {
          'messaging.system': 'kafka',
          'messaging.operation.type': 'send',
          'messaging.destination.name': topic,
          'messaging.batch.message_count': records.length,
        },
      });
      let failedIds = new Set<string>();
      try {
        const events = records.map((r, i) => ({ ...toPublished(r), traceparent: traceparentOf(spans[i]!.span) }));
        failedIds = new Set((await deps.publish(topic, events, { traceparent: traceparentOf(send.span) })).failed);
      } catch (err) {
        failedIds = new Set(records.map((r) => r.event_id));
        send.span.recordException(err as Error);
        throw err;
      } finally {
        records.forEach((r, i) => {
          if (failedIds.has(r.event_id)) spans[i]!.span.setStatus({ code: SpanStatusCode.ERROR, message: 'not published' });
          spans[i]!.span.end();
        });
        if (failedIds.size)
          send.span.setStatus({ code: SpanStatusCode.ERROR, message: `${failedIds.size} of ${records.length} not published` });
        send.span.end();
      }
      metrics.eventsPublished.inc({ topic, outcome: 'ok' }, records.length - failedIds.size);
      if (failedIds.size) metrics.eventsPublished.inc({ topic, outcome: 'error' }, failedIds.size);
      return {
        done: records.filter((r) => !failedIds.has(r.event_id)).map((r) => r.seq),
        ...(failedIds.size ? { failure: new Error(`${failedIds.size} of ${records.length} events to ${topic} not published`) } : {}),
      };
    } catch (err) {
      metrics.eventsPublished.inc({ topic, outcome: 'error' }, records.length);
      return { done: [], failure: err };
    }
  }

  return createOutboxRelay({
    db: core.database.db,
    pollMs: core.config.KAIROS_OUTBOX_POLL_MS,
    onError: (err) => logger.warn({ err }, 'outbox relay: dispatch failed; retrying'),
    async dispatch(records) {
      const byTopic = new Map<string, EventRecord[]>();
      const jobs: JobRecord[] = [];
      for (const r of records) {
        if (r.kind === 'reminder-jobs') jobs.push(r);
        else byTopic.set(r.topic, [...(byTopic.get(r.topic) ?? []), r]);
      }
      const results = await Promise.all([
        dispatchByKey(jobs, JOB_CONCURRENCY, scheduleJobs).then(({ done, failure }) => ({ done: [...done], failure })),
        ...[...byTopic].map(([topic, list]) => publishTopic(topic, list)),
      ]);
      return { done: new Set(results.flatMap((r) => r.done)), failure: results.find((r) => r.failure)?.failure };
    },
  });
}

/** Users whose reminder jobs are (re)scheduled at the same time. */
const JOB_CONCURRENCY = 16;

/** Records a consumer's handling of an event in the pipeline metrics. */
export const deliveryObserver = (core: Core): DeliveryObserver => metricsObserver(core.metrics);

/** Fires a reminder job and records its lateness and outcome. */
export function reminderJobHandler(core: Core, fireReminder: ReturnType<typeof createReminderFiring>) {
  return async (name: string, payload: ReminderJobPayload, dueAt: Date) => {
    core.metrics.reminderLateness.observe(Math.max(0, Date.now() - dueAt.getTime()) / 1000);
    core.metrics.remindersFired.inc({ outcome: await fireReminder(name, payload) });
  };
}

export function createAuthParts(core: Core, opts: { secret: string; publicUrl: string }): { auth: Auth; authenticate: Authenticate } {
  const { config } = core;
  const auth = createAuth({
    db: core.database.db,
    secret: opts.secret,
    baseURL: opts.publicUrl,
    trustedOrigins: config.KAIROS_TRUSTED_ORIGINS.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    jwtTtl: config.KAIROS_JWT_TTL,
  });
  const verify = createTokenVerifier({ load: async () => (await auth.api.getJwks()) as never });
  return { auth, authenticate: createAuthenticate({ verify, auth }) };
}

/** The public API's route plugins (role all and role api). */
export function apiPlugins(
  core: Core,
  p: { auth: Auth; authenticate: Authenticate; tasks: TaskService; stores: Stores; publicUrl: string },
): Array<[FastifyPluginAsync<never>, unknown]> {
  const { config, clock } = core;
  return [
    [authRoutes, { auth: p.auth, publicOrigin: new URL(p.publicUrl).origin, rateLimitPerMinute: config.KAIROS_AUTH_RATE_LIMIT }],
    [taskRoutes, { tasks: p.tasks, authenticate: p.authenticate, clock }],
    [compatRoutes, { tasks: p.tasks, authenticate: p.authenticate, clock }],
    [
      userDataRoutes,
      {
        authenticate: p.authenticate,
        tasks: p.tasks,
        audit: p.stores.audit,
        notifications: p.stores.notifications,
        preferences: p.stores.preferences,
        views: p.stores.views,
      },
    ],
  ];
}

/** Keeps the outbox backlog gauges current. */
export function watchBacklog(core: Core, relay: OutboxRelay): () => void {
  const timer = setInterval(async () => {
    try {
      const b = await relay.backlog();
      core.metrics.outboxPending.set(b.pending);
      core.metrics.outboxOldestAge.set(b.oldestAgeMs / 1000);
      const pool = core.database.poolStats();
      core.metrics.dbPool.set({ state: 'total' }, pool.total);
      core.metrics.dbPool.set({ state: 'idle' }, pool.idle);
      core.metrics.dbPool.set({ state: 'waiting' }, pool.waiting);
    } catch {
      /* the database may be closing */
    }
  }, 5000);
  timer.unref();
  return () => clearInterval(timer);
}
