/**
 * The embedded mode's job scheduler: jobs live in the `scheduled_jobs` table and one
 * timer is armed for the earliest — no polling. Jobs survive restarts; on start,
 * jobs whose time passed while the process was down fire once, right away.
 */
import { asc, eq, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { JobScheduler } from '../../ports/index.js';
import type { Db } from '../postgres/db.js';
import { scheduledJobs } from '../postgres/schema.js';

/** setTimeout's limit (~24.8 days); longer waits re-arm when it expires. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface EmbeddedJobScheduler extends JobScheduler {
  start(): Promise<void>;
  stop(): void;
}

export function createEmbeddedJobScheduler(opts: {
  db: Db;
  logger: Logger;
  onFire: (name: string, payload: unknown, dueAt: Date) => Promise<void>;
}): EmbeddedJobScheduler {
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let firing: Promise<void> | null = null;
  let retryMs = 0;

  async function arm() {
    if (!running) return;
    clearTimeout(timer);
    const [next] = await opts.db.select({ dueAt: scheduledJobs.dueAt }).from(scheduledJobs).orderBy(asc(scheduledJobs.dueAt)).limit(1);
    if (!next) return;
    const wait = Math.max(retryMs, Math.min(next.dueAt.getTime() - Date.now(), MAX_TIMER_MS));
    timer = setTimeout(() => void fireDue(), Math.max(0, wait));
    timer.unref();
  }

  function fireDue(): Promise<void> {
    firing ??= (async () => {
      try {
        const due = await opts.db
          .select()
          .from(scheduledJobs)
          .where(sql`${scheduledJobs.dueAt} <= now()`)
          .orderBy(asc(scheduledJobs.dueAt))
          .limit(500);
        for (const job of due) {
          await opts.onFire(job.name, job.payload, job.dueAt);
          // Delete only if not rescheduled meanwhile (same due time).
          await opts.db.delete(scheduledJobs).where(sql`${scheduledJobs.name} = ${job.name} and ${scheduledJobs.dueAt} = ${job.dueAt}`);
        }
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
      await opts.db
        .insert(scheduledJobs)
        .values({ name, dueAt: at, payload: payload as object })
        .onConflictDoUpdate({ target: scheduledJobs.name, set: { dueAt: at, payload: payload as object } });
      await arm();
    },
    async cancel(name) {
      await opts.db.delete(scheduledJobs).where(eq(scheduledJobs.name, name));
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
