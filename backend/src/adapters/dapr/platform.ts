/**
 * The Dapr platform: every port through the sidecar. Events are published to Kafka by
 * Dapr pub/sub and arrive back through the subscription routes; reminder jobs are rows of
 * the schedule in the database, with a Dapr job per due instant as their alarm; e-mail
 * goes out through the SMTP output binding; processed-events marks live in the state
 * store; the api's next-occurrence method is reached by service invocation. The inbound routes are in inbound.ts.
 */
import type { Logger } from 'pino';
import type { Consumer } from '../../app/consumer.js';
import type { DeliveryObserver } from '../../app/delivery.js';
import type { FireDueJobs } from '../../app/reminders.js';
import type { TaskService } from '../../app/tasks.js';
import type { Platform, RoutePlugin } from '../platform.js';
import { cronRoutes, internalRoutes, jobRoutes, subscriptionRoutes } from './inbound.js';
import { createDaprJobScheduler } from './jobs.js';
import type { ReminderJobPayload } from '../../domain/events.js';
import type { Db } from '../postgres/db.js';
import { createScheduledJobStore } from '../postgres/scheduled-jobs.js';
import { createDaprMailer } from './mailer.js';
import { API_APP_ID, NEXT_OCCURRENCE_METHOD, RECURRENCE_APP_ID } from './names.js';
import { createDaprProcessedEvents } from './processed-events.js';
import { createDaprPublisher } from './publisher.js';
import type { DaprSidecar } from './sidecar.js';
import { createDaprConversationStore } from './conversations.js';

export function createDaprPlatform(opts: {
  sidecar: DaprSidecar;
  /** This app's Dapr app id (the CloudEvents' source). */
  appId: string;
  logger: Logger;
  /** The database: the schedule of reminder jobs lives there, the Dapr jobs are its alarms. */
  db: Db;
  observe?: DeliveryObserver;
  mailFrom: string;
  sidecarHttpPort: number;
}): Platform {
  const dapr = opts.sidecar;
  const consumers: Consumer[] = [];
  const schedule = createScheduledJobStore(opts.db);
  let onDue: FireDueJobs | undefined;
  let served: Pick<TaskService, 'createNextOccurrence'> | undefined;
  let sweep: (() => Promise<void>) | undefined;

  return {
    name: 'dapr',
    subscribedFromStart: false,
    conversations: createDaprConversationStore(dapr),
    publish: createDaprPublisher(dapr, opts.appId),
    jobs: createDaprJobScheduler(dapr, schedule),
    mailer: createDaprMailer(dapr, opts.mailFrom),
    processed: createDaprProcessedEvents(dapr),
    nextOccurrence: async (userId, completed, traceparent) => {
      await dapr.request('POST', `/v1.0/invoke/${API_APP_ID}/method/${NEXT_OCCURRENCE_METHOD}`, {
        body: { user_id: userId, task: completed, ...(traceparent ? { traceparent } : {}) },
        ...(traceparent ? { headers: { traceparent } } : {}),
        timeoutMs: 10_000,
      });
    },
    jwksUrl: `http://127.0.0.1:${opts.sidecarHttpPort}/v1.0/invoke/${API_APP_ID}/method/api/auth/jwks`,
    // every api replica must sign with the same key: it comes from the configuration or the secret store
    defaultAuthSecret: undefined,

    subscribe: (consumer) => void consumers.push(consumer),
    onJobsDue: (fire) => void (onDue = fire),
    serveNextOccurrence: (tasks) => void (served = tasks),
    onSweep: (fn) => void (sweep = fn),
    routes() {
      const routes: RoutePlugin[] = [];
      if (consumers.length) routes.push([subscriptionRoutes, { consumers, observe: opts.observe ?? (() => {}), logger: opts.logger }]);
      if (onDue) {
        const adopt = (name: string, payload: ReminderJobPayload) => schedule.put(name, new Date(payload.remind_at), payload);
        routes.push([jobRoutes, { onDue, adopt, logger: opts.logger }]);
      }
      if (served) routes.push([internalRoutes, { tasks: served, allowedCaller: RECURRENCE_APP_ID }]);
      if (sweep) {
        // each sweep also fires whatever is overdue on the schedule: a job whose alarm was never set
        // (its scheduling failed past the relay's retries) fires within the sweep's minute
        const housekeeping = sweep;
        routes.push([cronRoutes, { sweep: async () => void (await Promise.all([housekeeping(), onDue?.(new Date())])) }]);
      }
      return routes;
    },

    readiness: { dapr: () => dapr.waitUntilReady(1500) },
    start: async () => {},
    stop: () => {},
  };
}
