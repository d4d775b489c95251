/**
 * Reminder jobs on the Dapr Jobs API (backed by the Dapr scheduler): one job per
 * reminder, named deterministically, firing once at its exact time — no polling. When
 * due, the sidecar calls this app at POST /job/<name> with the data scheduled here.
 */
import type { JobScheduler } from '../../ports/index.js';
import { JOBS_API } from './names.js';
import type { DaprSidecar } from './sidecar.js';

export function createDaprJobScheduler(dapr: DaprSidecar): JobScheduler {
  return {
    async schedule(name, at, payload) {
      // `overwrite` makes rescheduling under the same name move the job instead of failing with 409.
      await dapr.request('POST', `${JOBS_API}/${encodeURIComponent(name)}`, {
        body: {
          dueTime: at.toISOString(),
          data: payload,
          overwrite: true,
          failurePolicy: { constant: { interval: '2s', maxRetries: 10 } },
        },
      });
    },
    async cancel(name) {
      // 204 whether or not the job exists: cancelling is idempotent.
      await dapr.request('DELETE', `${JOBS_API}/${encodeURIComponent(name)}`);
    },
  };
}
