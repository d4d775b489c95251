/**
 * Reminder jobs in the distributed mode. Each job is a row of the schedule
 * (`scheduled_jobs`, shared by every api replica); the Dapr Jobs API (backed by the Dapr
 * scheduler) is its alarm clock: **one Dapr job per due instant**, named after it, however
 * many reminders share that instant. When it fires, the sidecar calls one replica at
 * POST /job/reminders-due-<epoch ms>, which claims and fires every job due by then in a
 * few statements (app/reminders.ts). A thousand reminders at the same minute are one
 * callback, one trigger and one deletion in the scheduler — not a thousand of each.
 *
 * Cancelling deletes the row only: the instant's alarm may be shared, and one that goes
 * off with nothing due costs a callback and a query.
 */
import type { JobScheduler } from '../../ports/index.js';
import type { ScheduledJobStore } from '../postgres/scheduled-jobs.js';
import { JOBS_API } from './names.js';
import type { DaprSidecar } from './sidecar.js';

export const ALARM_PREFIX = 'reminders-due-';

/** The Dapr job that wakes the api at `at`. */
export const alarmName = (at: Date) => `${ALARM_PREFIX}${at.getTime()}`;

/** The instant an alarm's name stands for; null when the name is not an alarm's. */
export function alarmInstant(name: string): Date | null {
  if (!name.startsWith(ALARM_PREFIX)) return null;
  const ms = Number(name.slice(ALARM_PREFIX.length));
  return Number.isSafeInteger(ms) && ms >= 0 ? new Date(ms) : null;
}

/**
 * Alarms this process has set are not set again while their instant is further away
 * than this: scheduling a thousand reminders for the same minute sets its alarm once.
 * Closer to the instant (or past it) the alarm is set again, in case it already went off.
 */
const REARM_WITHIN_MS = 10_000;
const MAX_REMEMBERED_ALARMS = 10_000;

export function createDaprJobScheduler(dapr: DaprSidecar, store: ScheduledJobStore): JobScheduler {
  const armed = new Set<number>();
  return {
    async schedule(name, at, payload) {
      await store.put(name, at, payload);
      const ms = at.getTime();
      if (armed.has(ms) && ms - Date.now() > REARM_WITHIN_MS) return;
      // `overwrite`: setting an instant's alarm again replaces it instead of failing with 409.
      await dapr.request('POST', `${JOBS_API}/${alarmName(at)}`, {
        body: {
          dueTime: at.toISOString(),
          data: { due_at: at.toISOString() },
          overwrite: true,
          failurePolicy: { constant: { interval: '2s', maxRetries: 10 } },
        },
      });
      if (armed.size >= MAX_REMEMBERED_ALARMS) armed.clear();
      armed.add(ms);
    },
    async cancel(name) {
      await store.remove(name);
    },
  };
}
