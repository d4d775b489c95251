/**
 * The embedded mode's event bus: delivers each published event to every consumer of
 * its topic, in-process, through the one delivery path (app/delivery.ts). The relay
 * awaits delivery before stamping the outbox row sent, so a crash means redelivery
 * (consumers are idempotent), never loss. A failing handler is retried with backoff; an
 * invalid event, or one still failing after the retries, is stored in `dead_letters` —
 * the embedded counterpart of a dead-letter topic.
 */
import type { Logger } from 'pino';
import type { Consumer } from '../../app/consumer.js';
import { createDelivery, type DeliveryObserver } from '../../app/delivery.js';
import type { EventPublisher, PublishedEvent } from '../../ports/index.js';
import type { Db } from '../postgres/db.js';
import { deadLetters } from '../postgres/schema.js';

export function createEventBus(opts: { db: Db; logger: Logger; retries?: number; backoffMs?: number; observe?: DeliveryObserver }) {
  const consumers = new Map<string, Consumer[]>();
  const delivery = createDelivery({
    logger: opts.logger,
    observe: opts.observe,
    retries: opts.retries ?? 3,
    backoffMs: opts.backoffMs ?? 100,
    whenFailing: 'dead-letter',
    keep: async (consumer, event, reason) => {
      await opts.db.insert(deadLetters).values({
        topic: `${consumer.topic}.dlq`,
        consumer: consumer.name,
        eventId: event.id ?? null,
        payload: event.data as object,
        reason,
      });
    },
  });
  const incoming = (event: PublishedEvent) => ({
    id: event.id,
    data: event.data,
    ...(event.seq !== undefined ? { seq: event.seq } : {}),
    ...(event.traceparent ? { traceparent: event.traceparent } : {}),
  });
  /**
   * The relay's batch to one consumer, in order: all at once (a consumer with handleBatch
   * writes them in one statement), and when the batch fails, one by one, each with its
   * retries and, in the end, its dead letter.
   */
  const deliverAll = async (consumer: Consumer, events: PublishedEvent[]) => {
    if (events.length === 1) {
      await delivery.deliver(consumer, incoming(events[0]!));
      return;
    }
    const verdicts = await delivery.deliverBatch(consumer, events.map(incoming));
    for (const [i, verdict] of verdicts.entries()) {
      if (verdict === 'RETRY') await delivery.deliver(consumer, incoming(events[i]!));
    }
  };

  return {
    subscribe(consumer: Consumer) {
      const list = consumers.get(consumer.topic) ?? [];
      list.push(consumer);
      consumers.set(consumer.topic, list);
    },
    /** Delivers the events to each consumer in order; a consumer's failures end in dead_letters, so none fails here. */
    publish: (async (topic: string, events: PublishedEvent[]) => {
      const list = consumers.get(topic) ?? [];
      await Promise.all(list.map((c) => deliverAll(c, events)));
      return { failed: [] };
    }) satisfies EventPublisher,
  };
}
export type EventBus = ReturnType<typeof createEventBus>;
