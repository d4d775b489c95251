/** The outbox writer and the unit of work that ties task changes and their events together. */
import { inSpan, SpanKind } from '../../observability/tracing.js';
import type { OutboxRecord } from '../../domain/events.js';
import type { OutboxWriter, UnitOfWork } from '../../ports/index.js';
import { sqlRunner, type Db } from './db.js';
import { createTaskRepository } from './task-repository.js';
import { createNotificationStore } from './user-data.js';

export const OUTBOX_CHANNEL = 'kairos_outbox';

/**
 * All of a change's records in one statement, NOTIFY included: the records travel as one
 * JSON array (so the text, hence the prepared statement, is the same for any number of
 * records; jsonb_to_recordset keeps their order, so `seq` does too), and the data-modifying
 * CTE runs whether or not the outer select reads it. One round trip instead of three.
 */
const APPEND = `with appended as (
    insert into outbox (event_id, kind, topic, type, user_id, payload, traceparent)
    select event_id, kind, topic, type, user_id, payload, traceparent
    from jsonb_to_recordset($1::text::jsonb)
      as r(event_id uuid, kind text, topic text, type text, user_id text, payload jsonb, traceparent text)
    returning 1)
  -- Delivered on commit only: wakes relays in other processes without polling.
  select pg_notify('${OUTBOX_CHANNEL}', '') from (select count(*) from appended) as n`;

export function createOutboxWriter(db: Db): OutboxWriter {
  const sql = sqlRunner(db);
  return {
    async append(records: OutboxRecord[]) {
      if (records.length === 0) return;
      const rows = records.map((r) => ({
        event_id: r.event_id,
        kind: r.kind,
        topic: r.kind === 'event' ? r.topic : null,
        type: r.type,
        user_id: r.user_id,
        payload: r.payload,
        traceparent: r.kind === 'event' ? (r.traceparent ?? null) : null,
      }));
      await sql.query(APPEND, [JSON.stringify(rows)]);
    },
  };
}

/** One transaction per use case; `afterCommit` wakes the in-process relay immediately. */
export function createUnitOfWork(db: Db, afterCommit: () => void): UnitOfWork {
  return {
    async run(fn) {
      const result = await inSpan('db.transaction', { kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'postgresql' } }, () =>
        db.transaction(async (tx) => {
          const scoped = tx as unknown as Db;
          return fn({
            tasks: createTaskRepository(scoped),
            outbox: createOutboxWriter(scoped),
            notifications: createNotificationStore(scoped),
          });
        }),
      );
      afterCommit();
      return result;
    },
  };
}
