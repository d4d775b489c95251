/**
 * The embedded mode's event bus: delivers each published event to every consumer of
 * its topic, in-process. The relay awaits delivery before stamping the outbox row
 * sent, so a crash means redelivery (consumers are idempotent), never loss. A failing
 * handler is retried with backoff; an invalid event, or one still failing after the
 * retries, is stored in `dead_letters` — the embedded counterpart of a dead-letter topic.
 */
import type { Logger } from 'pino';
import { consumerSpanAttributes, inSpan, SpanKind, traceparentOf } from '../../observability/tracing.js';
import { parseEvent, PoisonEventError, type Consumer } from '../../app/consumer.js';
import type { Topic } from '../../domain/events.js';
import type { EventPublisher, PublishedEvent } from '../../ports/index.js';
import type { Db } from '../postgres/db.js';
import { deadLetters } from '../postgres/schema.js';

export interface DeliveryObserver {
  (consumer: string, topic: string, outcome: 'ok' | 'retried' | 'dead_lettered', seconds: number, eventTime?: string): void;
}

export function createEventBus(opts: { db: Db; logger: Logger; retries?: number; backoffMs?: number; observe?: DeliveryObserver }) {
  const retries = opts.retries ?? 3;
  const backoffMs = opts.backoffMs ?? 100;
  const consumers = new Map<string, Consumer[]>();

  async function deliver(consumer: Consumer, topic: Topic, event: PublishedEvent) {
    const started = performance.now();
    const eventTime = (event.data as { timestamp?: string })?.timestamp;
    for (let attempt = 0; ; attempt++) {
      try {
        const data = parseEvent(topic, event.data);
        await inSpan(
          `${consumer.name} process ${topic}`,
          { kind: SpanKind.CONSUMER, parent: event.traceparent, attributes: consumerSpanAttributes(consumer, event.id) },
          (span) =>
            consumer.handle({ data, ...(event.seq !== undefined ? { seq: event.seq } : {}), traceparent: traceparentOf(span) } as never),
        );
        opts.observe?.(consumer.name, topic, attempt ? 'retried' : 'ok', (performance.now() - started) / 1000, eventTime);
        return;
      } catch (err) {
        const poison = err instanceof PoisonEventError;
        if (!poison && attempt < retries) {
          await new Promise((r) => setTimeout(r, backoffMs * 2 ** attempt));
          continue;
        }
        const reason = String((err as Error)?.message ?? err).slice(0, 1000);
        opts.logger.error({ consumer: consumer.name, topic, event_id: event.id, reason }, 'event dead-lettered');
        await opts.db
          .insert(deadLetters)
          .values({ topic: `${topic}.dlq`, consumer: consumer.name, eventId: event.id, payload: event.data as object, reason });
        opts.observe?.(consumer.name, topic, 'dead_lettered', (performance.now() - started) / 1000, eventTime);
        return;
      }
    }
  }

  return {
    subscribe(consumer: Consumer) {
      const list = consumers.get(consumer.topic) ?? [];
      list.push(consumer);
      consumers.set(consumer.topic, list);
    },
    /** Delivers the events one after the other; a consumer's failures end in dead_letters, so none fails here. */
    publish: (async (topic: string, events: PublishedEvent[]) => {
      const list = consumers.get(topic) ?? [];
      for (const event of events) await Promise.all(list.map((c) => deliver(c, topic as Topic, event)));
      return { failed: [] };
    }) satisfies EventPublisher,
  };
}
export type EventBus = ReturnType<typeof createEventBus>;
