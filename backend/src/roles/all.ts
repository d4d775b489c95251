/**
 * Role `all` — the embedded default: every role in one process. PGlite (or
 * PostgreSQL when DATABASE_URL is set), events on the in-process bus, reminders on
 * the database-backed scheduler. The same use cases as the distributed roles; only
 * the adapters differ.
 */
import type { FastifyInstance } from 'fastify';
import { createEventBus } from '../adapters/embedded/event-bus.js';
import { createEmbeddedJobScheduler } from '../adapters/embedded/job-scheduler.js';
import { createOutboxRelay } from '../adapters/postgres/outbox-relay.js';
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
import { createSmtpMailer } from '../adapters/smtp/mailer.js';
import { auditConsumer } from '../app/audit.js';
import { notifierConsumer } from '../app/notifications.js';
import { createRealtimeHub } from '../app/realtime.js';
import { recurrenceConsumer } from '../app/recurrence.js';
import { createReminderFiring } from '../app/reminders.js';
import { createTaskService } from '../app/tasks.js';
import { createAuth } from '../auth/better-auth.js';
import { embeddedAuthSecret } from '../auth/secret.js';
import { createTokenVerifier } from '../auth/verifier.js';
import type { ReminderJobPayload } from '../domain/events.js';
import { createAuthenticate } from '../http/authenticate.js';
import { presentTask } from '../http/present.js';
import { authRoutes } from '../http/routes/auth.js';
import { compatRoutes } from '../http/routes/compat.js';
import { taskRoutes } from '../http/routes/tasks.js';
import { userDataRoutes } from '../http/routes/user-data.js';
import { websocketRoutes } from '../http/routes/websocket.js';
import { buildServer } from '../http/server.js';
import type { Core, RunningRole } from './core.js';

export interface EmbeddedApp extends RunningRole {
  app: FastifyInstance;
}

export async function startAll(core: Core, listen = true): Promise<EmbeddedApp> {
  const { config, logger, metrics, database, clock } = core;
  const { db } = database;
  let draining = false;

  // ── Adapters ──
  const reader = createTaskRepository(db);
  const bus = createEventBus({
    db,
    logger,
    observe(consumer, topic, outcome, seconds, eventTime) {
      metrics.eventsConsumed.inc({ consumer, topic, outcome });
      metrics.handlerDuration.observe({ consumer, topic }, seconds);
      if (eventTime) metrics.eventLatency.observe({ consumer, topic }, Math.max(0, Date.now() - Date.parse(eventTime)) / 1000);
    },
  });
  let relayKick = () => {};
  const uow = createUnitOfWork(db, () => relayKick());
  const tasks = createTaskService({ uow, reader, clock });
  const fireReminder = createReminderFiring({ uow, reader, clock });
  const scheduler = createEmbeddedJobScheduler({
    db,
    logger,
    async onFire(name, payload, dueAt) {
      metrics.reminderLateness.observe(Math.max(0, Date.now() - dueAt.getTime()) / 1000);
      metrics.remindersFired.inc({ outcome: await fireReminder(name, payload as ReminderJobPayload) });
    },
  });
  const relay = createOutboxRelay({
    db,
    pollMs: config.KAIROS_OUTBOX_POLL_MS,
    onError: (err) => logger.warn({ err }, 'outbox relay: dispatch failed; retrying'),
    async dispatch(record) {
      if (record.kind === 'reminder-jobs') {
        for (const name of record.payload.cancel) await scheduler.cancel(name);
        for (const job of record.payload.schedule) {
          const payload: ReminderJobPayload = { user_id: record.user_id, task_id: record.payload.task_id, remind_at: job.remind_at };
          await scheduler.schedule(job.name, new Date(job.remind_at), payload);
        }
        metrics.remindersScheduled.inc({ action: 'schedule' }, record.payload.schedule.length);
        metrics.remindersScheduled.inc({ action: 'cancel' }, record.payload.cancel.length);
        return;
      }
      await bus.publish(record.topic, { id: record.event_id, type: record.type, data: record.payload, seq: record.seq, ...(record.traceparent ? { traceparent: record.traceparent } : {}) });
      metrics.eventsPublished.inc({ topic: record.topic, outcome: 'ok' });
    },
  });
  relayKick = () => relay.kick();

  // ── Consumers (the distributed roles' work, in-process) ──
  const hub = createRealtimeHub({ log: createUpdatesLog(db), present: presentTask });
  bus.subscribe(auditConsumer(createAuditStore(db)));
  bus.subscribe(recurrenceConsumer((userId, completed, traceparent) => tasks.createNextOccurrence(userId, completed, traceparent ? { traceparent } : {})));
  bus.subscribe(
    notifierConsumer({
      uow,
      preferences: createPreferencesStore(db),
      users: createUserDirectory(db),
      processed: createProcessedEvents(db),
      mailer: createSmtpMailer({ url: config.KAIROS_SMTP_URL, from: config.KAIROS_MAIL_FROM, logger }),
      clock,
      onDelivered: (channel, outcome) => metrics.notifications.inc({ channel, outcome }),
    }),
  );
  bus.subscribe(hub.consumer(() => metrics.wsMessages.inc()));

  // ── Auth and HTTP ──
  const publicUrl = config.KAIROS_PUBLIC_URL ?? `http://localhost:${config.port}`;
  const auth = createAuth({
    db,
    secret: config.BETTER_AUTH_SECRET ?? embeddedAuthSecret(config.KAIROS_DATA_DIR),
    baseURL: publicUrl,
    trustedOrigins: config.KAIROS_TRUSTED_ORIGINS.split(',').map((s) => s.trim()).filter(Boolean),
    jwtTtl: config.KAIROS_JWT_TTL,
  });
  const verify = createTokenVerifier({ load: async () => (await auth.api.getJwks()) as never });
  const authenticate = createAuthenticate({ verify, auth });

  const app = await buildServer({
    logger,
    bodyLimit: config.KAIROS_BODY_LIMIT,
    registry: core.registry,
    openapi: true,
    isDraining: () => draining,
    readiness: { database: () => database.ping() },
    plugins: [
      [authRoutes, { auth, rateLimitPerMinute: config.KAIROS_AUTH_RATE_LIMIT }],
      [taskRoutes, { tasks, authenticate, clock }],
      [compatRoutes, { tasks, authenticate, clock }],
      [
        userDataRoutes,
        {
          authenticate,
          tasks,
          audit: createAuditStore(db),
          notifications: createNotificationStore(db),
          preferences: createPreferencesStore(db),
          views: createViewStore(db),
        },
      ],
      [websocketRoutes, { hub, authenticate, onConnections: (n: number) => metrics.wsConnections.set(n) }],
    ],
  });
  const backlogTimer = setInterval(async () => {
    try {
      const b = await relay.backlog();
      metrics.outboxPending.set(b.pending);
      metrics.outboxOldestAge.set(b.oldestAgeMs / 1000);
    } catch {
      /* the database may be closing */
    }
  }, 5000);
  backlogTimer.unref();

  relay.start();
  await scheduler.start();
  let url = publicUrl;
  if (listen) url = await app.listen({ port: config.port, host: config.HOST });

  let stopping: Promise<void> | undefined;
  return {
    app,
    url,
    stop: () =>
      (stopping ??= (async () => {
        draining = true;
        clearInterval(backlogTimer);
        await app.close();
        scheduler.stop();
        await relay.stop(config.KAIROS_SHUTDOWN_TIMEOUT_MS);
        await database.close();
      })()),
  };
}
