/**
 * Side-effect idempotency in the Dapr state store (`kairos-state`), with a TTL so keys
 * expire on their own. Used for effects outside the database — an e-mail — whose
 * "done" marker cannot share a transaction with the effect. Database effects are
 * idempotent by unique keys in their own transaction instead (stronger than any
 * separate store can be).
 */
import type { ProcessedEvents } from '../../ports/index.js';
import { STATE_STORE } from './names.js';
import type { DaprSidecar } from './sidecar.js';

const TTL_SECONDS = 7 * 24 * 3600;

export function createDaprProcessedEvents(dapr: DaprSidecar): ProcessedEvents {
  const key = (consumer: string, eventId: string) => `processed:${consumer}:${eventId}`;
  return {
    async seen(consumer, eventId) {
      const res = await dapr.request('GET', `/v1.0/state/${STATE_STORE}/${encodeURIComponent(key(consumer, eventId))}`);
      return res.status === 200 && (await res.text()).length > 0;
    },
    async mark(consumer, eventId) {
      const first = !(await this.seen(consumer, eventId));
      await dapr.request('POST', `/v1.0/state/${STATE_STORE}`, {
        body: [{ key: key(consumer, eventId), value: { at: new Date().toISOString() }, metadata: { ttlInSeconds: String(TTL_SECONDS) } }],
      });
      return first;
    },
  };
}
