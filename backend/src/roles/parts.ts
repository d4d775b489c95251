/**
 * Wiring shared by the embedded role `all` and the distributed roles: the same stores,
 * use cases, relay and HTTP plugins; each role only chooses the adapters (in-process
 * bus or Dapr pub/sub, database scheduler or Dapr Jobs, SMTP or the Dapr binding).
 */
import type { FastifyPluginAsync } from 'fastify';
import { createOutboxRelay, type OutboxRelay } from '../adapters/postgres/outbox-relay.js';
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
import { createRelayDispatch } from '../app/relay.js';
import {
  createReminderFiring,
  reminderJobHandler as handleReminderJob,
  reminderJobScheduling,
  type FireReminder,
} from '../app/reminders.js';
import { createTaskService, type TaskService } from '../app/tasks.js';
import { createAuth, type Auth } from '../adapters/auth/better-auth.js';
import { createTokenVerifier } from '../adapters/auth/verifier.js';
import { createAuthenticate, type Authenticate } from '../http/authenticate.js';
import { authRoutes } from '../http/routes/auth.js';
import { compatRoutes } from '../http/routes/compat.js';
import { taskRoutes } from '../http/routes/tasks.js';
import { userDataRoutes } from '../http/routes/user-data.js';
import { metricsObserver, type DeliveryObserver } from '../app/delivery.js';
import type { EventPublisher, JobScheduler, UnitOfWork } from '../ports/index.js';
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

/**
 * Relays the outbox: each topic's events go to `publish` as one ordered batch, reminder-job
 * records to `scheduler` through the reminder-job policy (app/relay.ts, app/reminders.ts).
 */
export function createRelay(core: Core, deps: { publish: EventPublisher; scheduler: JobScheduler }): OutboxRelay {
  return createOutboxRelay({
    db: core.database.db,
    pollMs: core.config.KAIROS_OUTBOX_POLL_MS,
    onError: (err) => core.logger.warn({ err }, 'outbox relay: dispatch failed; retrying'),
    dispatch: createRelayDispatch({
      publish: deps.publish,
      applyJobs: reminderJobScheduling(deps.scheduler, core.metrics),
      metrics: core.metrics,
    }),
  });
}

/** Records a consumer's handling of an event in the pipeline metrics. */
export const deliveryObserver = (core: Core): DeliveryObserver => metricsObserver(core.metrics);

/** Fires a reminder job and records its lateness and outcome. */
export const reminderJobHandler = (core: Core, fireReminder: FireReminder) => handleReminderJob(fireReminder, core.metrics);

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
