/**
 * The relay's dispatch: what happens to a batch of committed outbox rows. Each topic's
 * events go to the publisher as one ordered batch (a producer span per event, linked to
 * the batch's one send span); reminder-job records go to the job scheduler through the
 * reminder-job policy (app/reminders.ts), one user's in order, several users at once.
 * The loop that leases and stamps the rows is adapters/postgres/outbox-relay.ts.
 */
import type { PipelineMetrics } from '../observability/metrics.js';
import { SpanKind, SpanStatusCode, startSpan, traceparentOf } from '../observability/tracing.js';
import type { EventPublisher, OutboxDispatch, PublishedEvent, RelayedRecord } from '../ports/index.js';
import type { ReminderJobsRecord } from './reminders.js';

type EventRecord = Extract<RelayedRecord, { kind: 'event' }>;
type JobRecord = Extract<RelayedRecord, { kind: 'reminder-jobs' }>;

/** Users whose reminder jobs are (re)scheduled at the same time. */
const JOB_CONCURRENCY = 16;

/** An outbox event as publishers see it; the user id is the ordering (partition) key. */
export const toPublished = (r: EventRecord): PublishedEvent => ({
  id: r.event_id,
  type: r.type,
  data: r.payload,
  seq: r.seq,
  key: r.user_id,
  ...(r.traceparent ? { traceparent: r.traceparent } : {}),
});

export function createRelayDispatch(deps: {
  publish: EventPublisher;
  /** Applies one reminder-jobs record (app/reminders.ts: `applyReminderJobs`). */
  applyJobs: (record: ReminderJobsRecord) => Promise<void>;
  metrics: Pick<PipelineMetrics, 'eventsPublished'>;
}): OutboxDispatch {
  const { metrics } = deps;

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

  return async (records) => {
    const byTopic = new Map<string, EventRecord[]>();
    const jobs: JobRecord[] = [];
    for (const r of records) {
      if (r.kind === 'reminder-jobs') jobs.push(r);
      else byTopic.set(r.topic, [...(byTopic.get(r.topic) ?? []), r]);
    }
    const results = await Promise.all([
      dispatchByKey(jobs, JOB_CONCURRENCY, deps.applyJobs).then(({ done, failure }) => ({ done: [...done], failure })),
      ...[...byTopic].map(([topic, list]) => publishTopic(topic, list)),
    ]);
    return { done: new Set(results.flatMap((r) => r.done)), failure: results.find((r) => r.failure)?.failure };
  };
}

/**
 * Runs `send` over the rows: in seq order within a user, up to `concurrency` users at a
 * time. After a user's first failure the rest of that user's rows are not attempted (they
 * must not overtake it); other users carry on. Returns the seqs sent and the first failure.
 */
export async function dispatchByKey<R extends { seq: number | string; user_id: string }>(
  rows: R[],
  concurrency: number,
  send: (row: R) => Promise<void>,
): Promise<{ done: Set<number>; failure: unknown }> {
  const byUser = new Map<string, R[]>();
  for (const r of rows) {
    const list = byUser.get(r.user_id);
    if (list) list.push(r);
    else byUser.set(r.user_id, [r]);
  }
  const queues = [...byUser.values()];
  const done = new Set<number>();
  let failure: unknown;
  async function worker() {
    for (let q = queues.shift(); q; q = queues.shift()) {
      for (const r of q) {
        try {
          await send(r);
          done.add(Number(r.seq));
        } catch (err) {
          failure ??= err;
          break;
        }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, queues.length) }, worker));
  return { done, failure };
}
