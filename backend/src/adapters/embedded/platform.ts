/**
 * The embedded platform: every port in-process, on the database. Events go over the
 * in-process bus, reminder jobs live in a table with one timer armed, e-mail goes out
 * by SMTP, the processed-events marks are rows, and the api's next-occurrence method is
 * a plain function call.
 */
import type { Logger } from 'pino';
import type { Consumer } from '../../app/consumer.js';
import type { DeliveryObserver } from '../../app/delivery.js';
import type { FireDueJobs } from '../../app/reminders.js';
import type { TaskService } from '../../app/tasks.js';
import type { Platform } from '../platform.js';
import type { Db } from '../postgres/db.js';
import { createPostgresConversationStore } from '../postgres/assistant.js';
import { createProcessedEvents } from '../postgres/user-data.js';
import { createSmtpMailer } from '../smtp/mailer.js';
import { embeddedAuthSecret } from './auth-secret.js';
import { createEventBus } from './event-bus.js';
import { createEmbeddedJobScheduler } from './job-scheduler.js';

export function createEmbeddedPlatform(opts: {
  db: Db;
  logger: Logger;
  observe?: DeliveryObserver;
  smtp: { url?: string | undefined; from: string };
  dataDir: string;
}): Platform {
  const { db, logger } = opts;
  const bus = createEventBus({ db, logger, ...(opts.observe ? { observe: opts.observe } : {}) });
  let onDue: FireDueJobs | undefined;
  const scheduler = createEmbeddedJobScheduler({
    db,
    logger,
    onDue: async (upTo) => {
      if (!onDue) throw new Error('reminder jobs are due, but no module in this process fires them');
      await onDue(upTo);
    },
  });
  let served: Pick<TaskService, 'createNextOccurrence'> | undefined;

  return {
    name: 'embedded',
    subscribedFromStart: true,
    conversations: createPostgresConversationStore(db),
    publish: bus.publish,
    jobs: scheduler,
    mailer: createSmtpMailer({ ...(opts.smtp.url ? { url: opts.smtp.url } : {}), from: opts.smtp.from, logger }),
    processed: createProcessedEvents(db),
    nextOccurrence: async (userId, completed, traceparent) => {
      if (!served) throw new Error('no module in this process serves next occurrences');
      return served.createNextOccurrence(userId, completed, traceparent ? { traceparent } : {});
    },
    jwksUrl: undefined,
    defaultAuthSecret: () => embeddedAuthSecret(opts.dataDir),

    subscribe: (consumer: Consumer) => bus.subscribe(consumer),
    onJobsDue: (fire) => void (onDue = fire),
    serveNextOccurrence: (tasks) => void (served = tasks),
    // Housekeeping runs on the Dapr cron binding only; the embedded mode keeps its rows.
    onSweep: () => {},
    routes: () => [],

    readiness: {},
    start: () => scheduler.start(),
    stop: () => scheduler.stop(),
  };
}
