/**
 * A consumer: a name, the topic it reads, the contract its events must satisfy, and
 * a handler. The same definition runs on the in-process bus (embedded) and behind a
 * Dapr subscription (distributed); only the delivery adapter differs.
 */
import type { z } from 'zod';
import { EVENT_SCHEMAS, type Topic } from '../domain/events.js';

/** An event that can never succeed (bad shape, unknown version): dead-letter it, do not retry. */
export class PoisonEventError extends Error {}

export interface Envelope<T> {
  /** Outbox sequence number: ordered, used as the WebSocket event id. */
  seq?: number;
  data: T;
  traceparent?: string;
}

export interface Consumer<T extends Topic = Topic> {
  name: string;
  topic: T;
  handle(event: Envelope<z.infer<(typeof EVENT_SCHEMAS)[T]>>): Promise<void>;
  /**
   * Handles several events at once, all or nothing (a bulk delivery: one transaction for
   * the lot instead of one per event). Without it a bulk delivery calls `handle` per event.
   */
  handleBatch?(events: Envelope<z.infer<(typeof EVENT_SCHEMAS)[T]>>[]): Promise<void>;
}

export function defineConsumer<T extends Topic>(c: Consumer<T>): Consumer<T> {
  return c;
}

/** Validates raw event data against its topic's contract; throws PoisonEventError with the reason. */
export function parseEvent<T extends Topic>(topic: T, data: unknown): z.infer<(typeof EVENT_SCHEMAS)[T]> {
  const result = EVENT_SCHEMAS[topic].safeParse(data);
  if (!result.success) {
    const reason = result.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    throw new PoisonEventError(`invalid ${topic} event: ${reason}`);
  }
  return result.data as z.infer<(typeof EVENT_SCHEMAS)[T]>;
}
