/**
 * Publishes outbox events through Dapr pub/sub (Kafka) with the bulk publish API: one
 * sidecar request and one broker round trip per topic and relay batch, instead of one per
 * event. Each event is a complete CloudEvent so that its id is the outbox event id
 * (consumers de-duplicate on it), its `traceparent` continues the request's trace, and
 * `kairosseq` carries the outbox sequence number the realtime role uses as the WebSocket
 * event id. The user id is the partition key, so one user's events share a partition.
 */
import type { EventPublisher, PublishedEvent } from '../../ports/index.js';
import { BULK_PUBLISH_API, PUBSUB } from './names.js';
import { DaprError, type DaprSidecar } from './sidecar.js';

interface BulkPublishFailure {
  failedEntries?: { entryId: string; error?: string }[];
}

export function toCloudEvent(event: PublishedEvent, source: string) {
  return {
    specversion: '1.0',
    id: event.id,
    source,
    type: event.type,
    datacontenttype: 'application/json',
    data: event.data,
    ...(event.seq !== undefined ? { kairosseq: String(event.seq) } : {}),
    // daprd keeps an event's own trace context only when `traceid` is set too; otherwise it
    // stamps the bulk request's (one for all entries)
    ...(event.traceparent ? { traceparent: event.traceparent, traceid: event.traceparent } : {}),
  };
}

export function createDaprPublisher(dapr: DaprSidecar, source: string): EventPublisher {
  return async (topic, events, batch) => {
    if (!events.length) return { failed: [] };
    const entries = events.map((event) => ({
      entryId: event.id,
      event: toCloudEvent(event, source),
      contentType: 'application/cloudevents+json',
      ...(event.key ? { metadata: { partitionKey: event.key } } : {}),
    }));
    try {
      await dapr.request('POST', `${BULK_PUBLISH_API}/${PUBSUB}/${encodeURIComponent(topic)}`, {
        body: entries,
        // the sidecar's span for the request joins the relay's send span
        ...(batch?.traceparent ? { headers: { traceparent: batch.traceparent } } : {}),
      });
      return { failed: [] };
    } catch (err) {
      // A partial failure lists the entries that were not published; the others were.
      const failed = err instanceof DaprError ? failedEntries(err.body) : undefined;
      if (failed?.length && failed.length < entries.length) return { failed: failed.map((f) => f.entryId) };
      throw err;
    }
  };
}

function failedEntries(body: string) {
  try {
    return (JSON.parse(body) as BulkPublishFailure).failedEntries;
  } catch {
    return undefined; // not a bulk publish answer: the whole request failed
  }
}
