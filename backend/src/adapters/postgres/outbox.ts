/** The outbox writer and the unit of work that ties task changes and their events together. */
import { sql } from 'drizzle-orm';
import type { OutboxRecord } from '../../domain/events.js';
import type { OutboxWriter, UnitOfWork } from '../../ports/index.js';
import type { Db } from './db.js';
import { outbox } from './schema.js';
import { createTaskRepository } from './task-repository.js';
import { createNotificationStore } from './user-data.js';

export const OUTBOX_CHANNEL = 'kairos_outbox';

export function createOutboxWriter(db: Db): OutboxWriter {
  return {
    async append(records: OutboxRecord[]) {
      if (records.length === 0) return;
      await db.insert(outbox).values(
        records.map((r) => ({
          eventId: r.event_id,
          kind: r.kind,
          topic: r.kind === 'event' ? r.topic : null,
          type: r.type,
          userId: r.user_id,
          payload: r.payload,
          traceparent: r.kind === 'event' ? (r.traceparent ?? null) : null,
        })),
      );
      // Delivered on commit only: wakes relays in other processes without polling.
      await db.execute(sql`select pg_notify(${OUTBOX_CHANNEL}, '')`);
    },
  };
}

/** One transaction per use case; `afterCommit` wakes the in-process relay immediately. */
export function createUnitOfWork(db: Db, afterCommit: () => void): UnitOfWork {
  return {
    async run(fn) {
      const result = await db.transaction(async (tx) => {
        const scoped = tx as unknown as Db;
        return fn({ tasks: createTaskRepository(scoped), outbox: createOutboxWriter(scoped), notifications: createNotificationStore(scoped) });
      });
      afterCommit();
      return result;
    },
  };
}
