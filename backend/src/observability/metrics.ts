/**
 * The pipeline's metrics. Labels are bounded sets (topic, consumer, outcome, channel):
 * never user ids or raw paths.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createPipelineMetrics(registry: Registry) {
  const registers = [registry];
  return {
    eventsPublished: new Counter({
      name: 'kairos_events_published_total',
      help: 'Events published by topic and outcome',
      labelNames: ['topic', 'outcome'],
      registers,
    }),
    eventsConsumed: new Counter({
      name: 'kairos_events_consumed_total',
      help: 'Events handled by consumer, topic and outcome (ok, retried, dead_lettered)',
      labelNames: ['consumer', 'topic', 'outcome'],
      registers,
    }),
    handlerDuration: new Histogram({
      name: 'kairos_consumer_handler_duration_seconds',
      help: 'Time a consumer spent handling one event',
      labelNames: ['consumer', 'topic'],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    eventLatency: new Histogram({
      name: 'kairos_event_e2e_latency_seconds',
      help: 'From the event time (commit) to handled, per consumer',
      labelNames: ['consumer', 'topic'],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    outboxPending: new Gauge({ name: 'kairos_outbox_pending', help: 'Outbox rows not yet published', registers }),
    outboxOldestAge: new Gauge({ name: 'kairos_outbox_oldest_age_seconds', help: 'Age of the oldest unpublished outbox row', registers }),
    remindersScheduled: new Counter({
      name: 'kairos_reminders_scheduled_total',
      help: 'Reminder jobs scheduled or cancelled',
      labelNames: ['action'],
      registers,
    }),
    remindersFired: new Counter({
      name: 'kairos_reminders_fired_total',
      help: 'Reminder jobs fired, by outcome (published, stale)',
      labelNames: ['outcome'],
      registers,
    }),
    reminderLateness: new Histogram({
      name: 'kairos_reminder_lateness_seconds',
      help: 'How late a reminder job fired after its scheduled time',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
      registers,
    }),
    notifications: new Counter({
      name: 'kairos_notifications_total',
      help: 'Notifications by channel and outcome',
      labelNames: ['channel', 'outcome'],
      registers,
    }),
    wsConnections: new Gauge({ name: 'kairos_websocket_connections', help: 'Open WebSocket connections', registers }),
    wsMessages: new Counter({ name: 'kairos_websocket_messages_total', help: 'Messages pushed to WebSocket clients', registers }),
    dbPool: new Gauge({ name: 'kairos_db_pool_connections', help: 'Database pool connections by state', labelNames: ['state'], registers }),
  };
}
export type PipelineMetrics = ReturnType<typeof createPipelineMetrics>;
