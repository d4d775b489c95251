/**
 * Role `all` — the embedded default: every role in one process. PGlite (or
 * PostgreSQL when DATABASE_URL is set), events on the in-process bus, reminders on
 * the database-backed scheduler. The same use cases as the distributed roles; only
 * the adapters differ.
 */
import type { FastifyInstance } from 'fastify';
import { createEventBus } from '../adapters/embedded/event-bus.js';
import { createEmbeddedJobScheduler } from '../adapters/embedded/job-scheduler.js';
import { createSmtpMailer } from '../adapters/smtp/mailer.js';
import { auditConsumer } from '../app/audit.js';
import { notifierConsumer } from '../app/notifications.js';
import { createRealtimeHub } from '../app/realtime.js';
import { recurrenceConsumer } from '../app/recurrence.js';
import { embeddedAuthSecret } from '../adapters/embedded/auth-secret.js';
import type { ReminderJobPayload } from '../domain/events.js';
import { presentTask } from '../http/present.js';
import { websocketRoutes } from '../http/routes/websocket.js';
import { serveRole, type Core, type RunningRole } from './core.js';
import {
  apiPlugins,
  createAuthParts,
  createRelay,
  createStores,
  createTaskCore,
  deliveryObserver,
  reminderJobHandler,
  watchBacklog,
} from './parts.js';

export interface EmbeddedApp extends RunningRole {
  app: FastifyInstance;
}

export async function startAll(core: Core, listen = true): Promise<EmbeddedApp> {
  const { config, logger, metrics, database, clock } = core;

  const stores = createStores(core);
  const { uow, tasks, fireReminder, setKick } = createTaskCore(core, stores);
  const bus = createEventBus({ db: database.db, logger, observe: deliveryObserver(core) });
  const onFire = reminderJobHandler(core, fireReminder);
  const scheduler = createEmbeddedJobScheduler({
    db: database.db,
    logger,
    onFire: (name, payload, dueAt) => onFire(name, payload as ReminderJobPayload, dueAt),
  });
  const relay = createRelay(core, {
    scheduler,
    publish: bus.publish,
  });
  setKick(() => relay.kick());

  // The distributed roles' consumers, in-process.
  const hub = createRealtimeHub({ log: stores.updatesLog, present: presentTask });
  bus.subscribe(auditConsumer(stores.audit));
  bus.subscribe(
    recurrenceConsumer((userId, completed, traceparent) =>
      tasks.createNextOccurrence(userId, completed, traceparent ? { traceparent } : {}),
    ),
  );
  bus.subscribe(
    notifierConsumer({
      uow,
      preferences: stores.preferences,
      users: stores.users,
      processed: stores.processed,
      mailer: createSmtpMailer({ url: config.KAIROS_SMTP_URL, from: config.KAIROS_MAIL_FROM, logger }),
      clock,
      onDelivered: (channel, outcome) => metrics.notifications.inc({ channel, outcome }),
    }),
  );
  bus.subscribe(hub.consumer(() => metrics.wsMessages.inc()));

  const publicUrl = config.KAIROS_PUBLIC_URL ?? `http://localhost:${config.port}`;
  const { auth, authenticate } = createAuthParts(core, {
    secret: config.BETTER_AUTH_SECRET ?? embeddedAuthSecret(config.KAIROS_DATA_DIR),
    publicUrl,
  });
  const stopBacklog = watchBacklog(core, relay);
  return serveRole(core, {
    openapi: true,
    bodyLimit: config.KAIROS_BODY_LIMIT,
    readiness: { database: () => database.ping() },
    plugins: [
      ...apiPlugins(core, { auth, authenticate, tasks, stores, publicUrl }),
      [websocketRoutes, { hub, authenticate, onConnections: (n: number) => metrics.wsConnections.set(n) }],
    ],
    listen,
    async start() {
      relay.start();
      await scheduler.start();
    },
    teardown: [stopBacklog, () => scheduler.stop(), () => relay.stop(config.KAIROS_SHUTDOWN_TIMEOUT_MS)],
  });
}
