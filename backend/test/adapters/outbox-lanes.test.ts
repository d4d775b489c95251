// The relay in lanes on a real database: passes run at once, each for the users whose id
// hashes to it; every row is sent once, and each user's rows go out in commit order,
// never two of a user's batches at the same time.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, sqlRunner, type Database } from '../../src/adapters/postgres/db.js';
import { createOutboxWriter } from '../../src/adapters/postgres/outbox.js';
import { createOutboxRelay } from '../../src/adapters/postgres/outbox-relay.js';
import type { OutboxRecord } from '../../src/domain/events.js';
import type { RelayedRecord } from '../../src/ports/index.js';

let database: Database;
beforeAll(async () => {
  database = await openDatabase({ dataDir: 'memory://' });
  await database.migrate();
});
afterAll(() => database.close());

describe('outbox relay in lanes', () => {
  it('sends every row once, a user’s rows in order and one batch of theirs at a time, several lanes at once', async () => {
    const users = Array.from({ length: 12 }, (_, i) => `user-${i}`);
    const records: OutboxRecord[] = Array.from({ length: 120 }, (_, i) => {
      const event_id = randomUUID();
      return { kind: 'event', event_id, topic: 'task-updates', type: 'test', user_id: users[i % users.length]!, payload: { i } as never };
    });
    await createOutboxWriter(database.db).append(records);

    const sent: RelayedRecord[] = [];
    const busyUsers = new Set<string>();
    let inFlight = 0;
    let maxInFlight = 0;
    let overlapping = 0;
    const relay = createOutboxRelay({
      db: database.db,
      pollMs: 60_000,
      batchSize: 5,
      lanes: 3,
      dispatch: async (batch) => {
        const batchUsers = new Set(batch.map((r) => r.user_id));
        for (const u of batchUsers) if (busyUsers.has(u)) overlapping++;
        for (const u of batchUsers) busyUsers.add(u);
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        await new Promise((r) => setTimeout(r, 5)); // the broker's round trip
        inFlight--;
        for (const u of batchUsers) busyUsers.delete(u);
        sent.push(...batch);
        return { done: new Set(batch.map((r) => r.seq)) };
      },
    });
    relay.start();
    await relay.stop(20_000); // sends everything pending, then stops

    expect(sent.map((r) => r.event_id).sort()).toEqual(records.map((r) => r.event_id).sort());
    for (const u of users) {
      const seqs = sent.filter((r) => r.user_id === u).map((r) => r.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    }
    expect(overlapping).toBe(0);
    expect(maxInFlight).toBeGreaterThan(1);
    const [left] = await sqlRunner(database.db).query<{ n: number }>('select count(*)::int as n from outbox where sent_at is null');
    expect(left!.n).toBe(0);
  });
});
