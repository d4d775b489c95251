/**
 * Publishes outbox events through Dapr pub/sub (Kafka). The event is sent as a complete
 * CloudEvent so that its id is the outbox event id (consumers de-duplicate on it), its
 * `traceparent` continues the request's trace, and `kairosseq` carries the outbox
 * sequence number the realtime role uses as the WebSocket event id.
 */
import type { EventPublisher } from '../../ports/index.js';
import { PUBSUB } from './names.js';
import type { DaprSidecar } from './sidecar.js';

export function createDaprPublisher(dapr: DaprSidecar, source: string): EventPublisher {
  return async (topic, event) => {
    const cloudEvent = {
      specversion: '1.0',
      id: event.id,
      source,
      type: event.type,
      datacontenttype: 'application/json',
      data: event.data,
      ...(event.seq !== undefined ? { kairosseq: String(event.seq) } : {}),
      ...(event.traceparent ? { traceparent: event.traceparent } : {}),
    };
    await dapr.request('POST', `/v1.0/publish/${PUBSUB}/${encodeURIComponent(topic)}`, {
      rawBody: JSON.stringify(cloudEvent),
      headers: { 'content-type': 'application/cloudevents+json', ...(event.traceparent ? { traceparent: event.traceparent } : {}) },
    });
  };
}
