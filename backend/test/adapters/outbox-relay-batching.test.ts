// The relay takes what committed meanwhile in one pass. Writes reach the database one
// event-loop callback after another (one per request); on PGlite a commit's continuation
// runs before the next callback, so a relay woken at once would lease one write's rows per
// pass — four statements per write instead of one plus a share of the pass's three.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/adapters/postgres/db.js';
import { createUnitOfWork } from '../../src/adapters/postgres/outbox.js';
import { createOutboxRelay } from '../../src/adapters/postgres/outbox-relay.js';
import type { RelayedRecord } from '../../src/ports/index.js';

let database: Database;
beforeAll(async () => {
  database = await openDatabase({ dataDir: 'memory://' });
  await database.migrate();
});
afterAll(() => database.close());

it('writes committed in separate callbacks of one event-loop turn go out in one pass', async () => {
  const batches: RelayedRecord[][] = [];
  const relay = createOutboxRelay({
    db: database.db,
    pollMs: 60_000,
    dispatch: async (batch) => {
      batches.push(batch);
      return { done: new Set(batch.map((r) => r.seq)) };
    },
  });
  relay.start();
  await new Promise((r) => setTimeout(r, 20)); // the start's pass over an empty outbox
  const uow = createUnitOfWork(database.db, () => relay.kick());
  const writes = 20;
  const committed = await new Promise<number>((resolve, reject) => {
    let n = 0;
    for (let i = 0; i < writes; i++)
      setTimeout(() => {
        uow
          .run((tx) =>
            tx.outbox.append([
              { kind: 'event', event_id: randomUUID(), topic: 'task-events', type: 'test', user_id: `user-${i}`, payload: { i } as never },
            ]),
          )
          .then(() => ++n === writes && resolve(n), reject);
      }, 0);
  });
  await relay.stop(5_000);
  expect(committed).toBe(writes);
  expect(batches.flat()).toHaveLength(writes); // every row sent, once
  expect(batches.length).toBeLessThanOrEqual(2); // one write's rows per pass before: 20
});
