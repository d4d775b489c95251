/**
 * The one path every event takes to its consumer, whichever transport brings it: the
 * embedded bus calls it in-process, the Dapr subscription routes (adapters/dapr/inbound.ts)
 * for each delivery from the sidecar. Each event is checked against its topic's contract,
 * handled in a CONSUMER span that continues the producer's trace, and its outcome is
 * recorded. An event that breaks its contract is dead-lettered at once. A handler that
 * fails is tried again `retries` times here; then the transport's policy decides:
 * `dead-letter` here (embedded: the `dead_letters` table) or `redeliver` (Dapr retries
 * per its resiliency policy and dead-letters to `<topic>.dlq` when those run out).
 */
import type { Logger } from 'pino';
import type { Topic } from '../domain/events.js';
import type { PipelineMetrics } from '../observability/metrics.js';
import { consumerSpanAttributes, inSpan, SpanKind, SpanStatusCode, startSpan, traceparentOf } from '../observability/tracing.js';
import { parseEvent, PoisonEventError, type Consumer, type Envelope } from './consumer.js';

export type DeliveryOutcome = 'ok' | 'retried' | 'dead_lettered';

/** Records a consumer's handling of an event (pipeline metrics). */
export interface DeliveryObserver {
  (consumer: string, topic: string, outcome: DeliveryOutcome, seconds: number, eventTime?: string): void;
}

/** An event as a transport hands it over. */
export interface IncomingEvent {
  id?: string;
  data: unknown;
  /** Outbox sequence number, when the transport carries it. */
  seq?: number;
  traceparent?: string;
}

/** What the transport does with the event next: done, dropped (dead-lettered), or delivered again later. */
export type Verdict = 'SUCCESS' | 'DROP' | 'RETRY';

export interface DeliveryOptions {
  logger: Pick<Logger, 'error' | 'warn'>;
  observe?: DeliveryObserver | undefined;
  /** Attempts after the first one, in-process, before the policy below applies. */
  retries?: number;
  backoffMs?: number;
  /** A handler still failing: dead-letter it here, or answer RETRY for the transport to redeliver. */
  whenFailing: 'dead-letter' | { redeliveredBy: string };
  /** Keeps a dead-lettered event (embedded); a transport that keeps them itself (Dapr) leaves this out. */
  keep?: (consumer: Consumer, event: IncomingEvent, reason: string) => Promise<void>;
}

export interface Delivery {
  /** Delivers one event to one consumer. */
  deliver(consumer: Consumer, event: IncomingEvent): Promise<Verdict>;
  /** Delivers several events to one consumer at once (`handleBatch`: all or nothing); a verdict per event, in order. */
  deliverBatch(consumer: Consumer, events: IncomingEvent[]): Promise<Verdict[]>;
}

export function createDelivery(opts: DeliveryOptions): Delivery {
  const retries = opts.retries ?? 0;
  const backoffMs = opts.backoffMs ?? 100;

  const envelopeOf = (consumer: Consumer, event: IncomingEvent) => ({
    data: parseEvent(consumer.topic as Topic, event.data),
    ...(event.seq !== undefined ? { seq: event.seq } : {}),
  });
  const spanName = (consumer: Consumer) => `${consumer.name} process ${consumer.topic}`;
  const record = (consumer: Consumer, event: IncomingEvent, outcome: DeliveryOutcome, started: number) =>
    opts.observe?.(
      consumer.name,
      consumer.topic,
      outcome,
      (performance.now() - started) / 1000,
      (event.data as { timestamp?: string } | undefined)?.timestamp,
    );

  async function deadLetter(consumer: Consumer, event: IncomingEvent, err: unknown, started: number): Promise<'DROP'> {
    const reason = String((err as Error)?.message ?? err).slice(0, 1000);
    opts.logger.error({ consumer: consumer.name, topic: consumer.topic, event_id: event.id, reason }, 'event dead-lettered');
    await opts.keep?.(consumer, event, reason);
    record(consumer, event, 'dead_lettered', started);
    return 'DROP';
  }

  return {
    async deliver(consumer, event) {
      const started = performance.now();
      for (let attempt = 0; ; attempt++) {
        try {
          const envelope = envelopeOf(consumer, event);
          await inSpan(
            spanName(consumer),
            { kind: SpanKind.CONSUMER, parent: event.traceparent, attributes: consumerSpanAttributes(consumer, event.id) },
            (span) => consumer.handle({ ...envelope, traceparent: traceparentOf(span) } as never),
          );
          record(consumer, event, attempt ? 'retried' : 'ok', started);
          return 'SUCCESS';
        } catch (err) {
          if (err instanceof PoisonEventError) return deadLetter(consumer, event, err, started);
          if (attempt < retries) {
            await new Promise((r) => setTimeout(r, backoffMs * 2 ** attempt));
            continue;
          }
          if (opts.whenFailing === 'dead-letter') return deadLetter(consumer, event, err, started);
          opts.logger.warn(
            { err, consumer: consumer.name, event_id: event.id },
            `event handling failed; ${opts.whenFailing.redeliveredBy} will retry`,
          );
          record(consumer, event, 'retried', started);
          return 'RETRY';
        }
      }
    },

    async deliverBatch(consumer, events) {
      const started = performance.now();
      const verdicts: Verdict[] = new Array(events.length);
      // one consumer span per event, in the event's own trace, spanning the batch's handling
      const valid: { i: number; span: ReturnType<typeof startSpan>['span']; envelope: Envelope<unknown> }[] = [];
      for (const [i, event] of events.entries()) {
        try {
          const envelope = envelopeOf(consumer, event);
          const { span } = startSpan(spanName(consumer), {
            kind: SpanKind.CONSUMER,
            ...(event.traceparent ? { parent: event.traceparent } : {}),
            attributes: { ...consumerSpanAttributes(consumer, event.id), 'messaging.batch.message_count': events.length },
          });
          valid.push({ i, span, envelope: { ...envelope, traceparent: traceparentOf(span) } });
        } catch (err) {
          if (!(err instanceof PoisonEventError)) throw err;
          verdicts[i] = await deadLetter(consumer, event, err, started);
        }
      }
      if (valid.length === 0) return verdicts;
      let outcome: DeliveryOutcome = 'ok';
      try {
        const batch = valid.map((v) => v.envelope) as never[];
        if (consumer.handleBatch) await consumer.handleBatch(batch);
        else for (const e of batch) await consumer.handle(e);
      } catch (err) {
        outcome = 'retried';
        const by = opts.whenFailing === 'dead-letter' ? 'the bus' : opts.whenFailing.redeliveredBy;
        opts.logger.warn({ err, consumer: consumer.name, events: valid.length }, `bulk delivery failed; ${by} will retry it`);
        for (const v of valid) v.span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      }
      for (const v of valid) {
        v.span.end();
        record(consumer, events[v.i]!, outcome, started);
        verdicts[v.i] = outcome === 'ok' ? 'SUCCESS' : 'RETRY';
      }
      return verdicts;
    },
  };
}

/** Records each delivery in the pipeline metrics: count by outcome, handling time, end-to-end latency. */
export function metricsObserver(metrics: Pick<PipelineMetrics, 'eventsConsumed' | 'handlerDuration' | 'eventLatency'>): DeliveryObserver {
  return (consumer, topic, outcome, seconds, eventTime) => {
    metrics.eventsConsumed.inc({ consumer, topic, outcome });
    metrics.handlerDuration.observe({ consumer, topic }, seconds);
    if (eventTime && outcome !== 'dead_lettered')
      metrics.eventLatency.observe({ consumer, topic }, Math.max(0, Date.now() - Date.parse(eventTime)) / 1000);
  };
}
