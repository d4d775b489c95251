/**
 * The embedded mode's job scheduler: jobs are rows of the schedule (`scheduled_jobs`) and
 * one timer is armed for the earliest — no polling. Jobs survive restarts; on start, jobs
 * whose time passed while the process was down fire once, right away.
 */
import type { Logger } from 'pino';
import type { FireDueJobs } from '../../app/reminders.js';
import type { JobScheduler } from '../../ports/index.js';
import type { Db } from '../postgres/db.js';
import { createScheduledJobStore } from '../postgres/scheduled-jobs.js';

/** setTimeout's limit (~24.8 days); longer waits re-arm when it expires. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface EmbeddedJobScheduler extends JobScheduler {
  start(): Promise<void>;
  stop(): void;
}

export function createEmbeddedJobScheduler(opts: { db: Db; logger: Logger; onDue: FireDueJobs }): EmbeddedJobScheduler {
  const store = createScheduledJobStore(opts.db);
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let firing: Promise<void> | null = null;
  let retryMs = 0;

  async function arm() {
    if (!running) return;
    clearTimeout(timer);
    const next = await store.earliest();
    if (!next) return;
    const wait = Math.max(retryMs, Math.min(next.getTime() - Date.now(), MAX_TIMER_MS));
    timer = setTimeout(() => void fireDue(), Math.max(0, wait));
    timer.unref();
  }

  function fireDue(): Promise<void> {
    firing ??= (async () => {
      try {
        await opts.onDue(new Date());
        retryMs = 0;
      } catch (err) {
        retryMs = Math.min(retryMs ? retryMs * 2 : 500, 30_000);
        opts.logger.error({ err }, 'reminder job failed; will retry');
      } finally {
        firing = null;
      }
      await arm();
    })();
    return firing;
  }

  return {
    async schedule(name, at, payload) {
      await store.put(name, at, payload);
      await arm();
    },
    async cancel(name) {
      await store.remove(name);
      await arm();
    },
    async start() {
      running = true;
      await fireDue();
    },
    stop() {
      running = false;
      clearTimeout(timer);
    },
  };
}
