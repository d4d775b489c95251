/**
 * A platform: every port a module needs from the world outside the process, bundled
 * per mode. The embedded platform (adapters/embedded/platform.ts) provides them
 * in-process on the database; the Dapr platform (adapters/dapr/platform.ts) through the
 * sidecar. Modules (roles/modules.ts) receive one and never ask which it is.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { Consumer } from '../app/consumer.js';
import type { NextOccurrence } from '../app/recurrence.js';
import type { FireDueJobs } from '../app/reminders.js';
import type { TaskService } from '../app/tasks.js';
import type { EventPublisher, JobScheduler, Mailer, ProcessedEvents } from '../ports/index.js';
import type { ConversationStore } from '../ports/conversations.js';

/** A Fastify plugin and its options, registered on a role's server. */
export type RoutePlugin = [FastifyPluginAsync<never>, unknown];

export interface Platform {
  readonly name: 'embedded' | 'dapr';

  // ── outbound ──
  /** Publishes a topic's events in order (the relay's output). */
  publish: EventPublisher;
  /** Schedules and cancels one-shot jobs (reminders). */
  jobs: JobScheduler;
  mailer: Mailer;
  /** Remembers side effects done per event (the notifier's e-mails). */
  processed: ProcessedEvents;
  /** The assistant's conversations: the embedded database, or the Dapr state store. */
  conversations: ConversationStore;
  /** Service client: asks the api to create a completed recurring task's next occurrence. */
  nextOccurrence: NextOccurrence;
  /** Where a role that does not sign tokens itself fetches the api's key set, if it can. */
  jwksUrl: string | undefined;
  /** The auth secret to use when none is configured, if this platform can make one. */
  defaultAuthSecret: (() => string) | undefined;

  // ── inbound ──
  /**
   * A subscription receives every event published once `start()` has resolved (in-process
   * delivery). False where a broker assigns it some time later (Dapr: a Kafka consumer group).
   */
  readonly subscribedFromStart: boolean;
  /** Delivers a topic's events to the consumer, through app/delivery.ts. */
  subscribe(consumer: Consumer): void;
  /** Calls `fire` when the schedule's alarm says jobs are due (with the alarm's instant). */
  onJobsDue(fire: FireDueJobs): void;
  /** Serves `nextOccurrence` calls with this process's task service. */
  serveNextOccurrence(tasks: Pick<TaskService, 'createNextOccurrence'>): void;
  /** Runs `sweep` when the platform's housekeeping schedule says so. */
  onSweep(sweep: () => Promise<void>): void;
  /** HTTP routes the inbound side needs on the role's server (registered after the modules' own). */
  routes(): RoutePlugin[];

  // ── lifecycle ──
  /** Readiness checks of the platform's own dependencies. */
  readiness: Record<string, () => Promise<void>>;
  /** Starts inbound delivery, once every module has subscribed. */
  start(): Promise<void>;
  stop(): Promise<void> | void;
}
