/**
 * Role `api` (distributed): the REST API and auth; the outbox relay publishes through
 * Dapr pub/sub to Kafka and (re)schedules reminders on the Dapr Jobs API; job callbacks,
 * the recurrence role's service invocations and the cron binding arrive from its sidecar.
 */
import { createDaprJobScheduler } from '../adapters/dapr/jobs.js';
import { createDaprPublisher } from '../adapters/dapr/publisher.js';
import type { DaprSidecar } from '../adapters/dapr/sidecar.js';
import { createHousekeeping } from '../adapters/postgres/housekeeping.js';
import { ConfigError } from '../config.js';
import { cronRoutes, internalRoutes, jobRoutes } from '../adapters/dapr/inbound.js';
import { serveRole, type Core, type RunningRole } from './core.js';
import { apiPlugins, createAuthParts, createRelay, createStores, createTaskCore, reminderJobHandler, watchBacklog } from './parts.js';

export async function startApi(core: Core, dapr: DaprSidecar): Promise<RunningRole> {
  const { config, logger, database } = core;
  if (!config.BETTER_AUTH_SECRET) {
    throw new ConfigError(
      'role api needs BETTER_AUTH_SECRET (or the secret `better-auth-secret` in the Dapr secret store): every api replica must sign with the same key',
    );
  }
  const stores = createStores(core);
  const { tasks, fireReminder, setKick } = createTaskCore(core, stores);
  const publish = createDaprPublisher(dapr, config.APP_ID ?? 'kairos-api');
  const relay = createRelay(core, {
    scheduler: createDaprJobScheduler(dapr),
    publish,
  });
  setKick(() => relay.kick());

  const publicUrl = config.KAIROS_PUBLIC_URL ?? `http://localhost:${config.port}`;
  const { auth, authenticate } = createAuthParts(core, { secret: config.BETTER_AUTH_SECRET, publicUrl });
  const stopBacklog = watchBacklog(core, relay);
  return serveRole(core, {
    openapi: true,
    bodyLimit: config.KAIROS_BODY_LIMIT,
    readiness: { database: () => database.ping(), dapr: () => dapr.waitUntilReady(1500) },
    plugins: [
      ...apiPlugins(core, { auth, authenticate, tasks, stores, publicUrl }),
      [jobRoutes, { onReminder: reminderJobHandler(core, fireReminder), logger }],
      [internalRoutes, { tasks, allowedCaller: 'kairos-recurrence' }],
      [cronRoutes, { sweep: createHousekeeping(database.db) }],
    ],
    start: () => relay.start(),
    teardown: [stopBacklog, () => relay.stop(config.KAIROS_SHUTDOWN_TIMEOUT_MS)],
  });
}
