/** Periodic clean-up (run by the cron binding in the distributed mode): keeps bookkeeping tables small. */
import { lt } from 'drizzle-orm';
import type { Db } from './db.js';
import { deadLetters, processedEvents, session } from './schema.js';

export function createHousekeeping(db: Db, retentionDays = 30) {
  return async (): Promise<void> => {
    const before = new Date(Date.now() - retentionDays * 86_400_000);
    await db.delete(processedEvents).where(lt(processedEvents.processedAt, before));
    await db.delete(deadLetters).where(lt(deadLetters.createdAt, before));
    await db.delete(session).where(lt(session.expiresAt, new Date()));
  };
}
