// A user's outbox rows, in order, on a real database: numbered in the order they commit,
// and relayed in that order — by lanes that run at once, each for the users whose id
// hashes to it, and by two relays (two api replicas) running the same lanes: every row
// sent once, never two of a user's batches at the same time. (A WebSocket client resumes
// after the last id it received: a lower one published after it would never reach it.)
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlRunner, type Database, type Db } from '../../src/adapters/postgres/db.js';
import { openOwnDatabase } from './own-database.js';
import { createOutboxWriter } from '../../src/adapters/postgres/outbox.js';
import { createOutboxRelay } from '../../src/adapters/postgres/outbox-relay.js';
import type { OutboxRecord } from '../../src/domain/events.js';
import type { RelayedRecord } from '../../src/ports/index.js';

// Two connections really run at once only on PostgreSQL (DATABASE_URL): the lock tests need it.
const server = process.env.DATABASE_URL;
let database: Database;
let closeDatabase: () => Promise<void>;
beforeAll(async () => {
  ({ database, close: closeDatabase } = await openOwnDatabase('outbox_lanes'));
});
afterAll(() => closeDatabase());

/**
 * Two relays (two api replicas) with the same lanes send `rows` rows spread round-robin
 * over `userCount` users; the broker takes 5 ms per batch.
 */
async function twoReplicasSend(userCount: number, rows: number) {
  const run = randomUUID().slice(0, 8);
  const users = Array.from({ length: userCount }, (_, i) => `${run}-user-${i}`);
  const records: OutboxRecord[] = Array.from({ length: rows }, (_, i) => {
    const event_id = randomUUID();
    return { kind: 'event', event_id, topic: 'task-updates', type: 'test', user_id: users[i % users.length]!, payload: { i } as never };
  });
  await createOutboxWriter(database.db).append(records);

  const sent: RelayedRecord[] = [];
  const busyUsers = new Set<string>();
  let inFlight = 0;
  let maxInFlight = 0;
  let overlapping = 0;
  const replica = () =>
    createOutboxRelay({
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
  const relays = [replica(), replica()];
  for (const relay of relays) relay.start();
  const unsent = async () =>
    (
      await sqlRunner(database.db).query<{ n: number }>(
        'select count(*)::int as n from outbox where sent_at is null and user_id = any($1::text[])',
        [users],
      )
    )[0]!.n;
  // rows one relay left for the other's earlier rows of the same user are looked at again soon
  for (let i = 0; i < 400 && (await unsent()) > 0; i++) await new Promise((r) => setTimeout(r, 50));
  await Promise.all(relays.map((relay) => relay.stop(5_000)));
  return { users, records, sent, overlapping, maxInFlight, unsent: await unsent() };
}

describe('outbox relay in lanes', () => {
  it('sends every row once, a user’s rows in order and one batch of theirs at a time, with two relays on the same lanes', async () => {
    // few users: each batch holds several rows of a user, so the other relay finds that
    // user's next rows free while the first still sends the earlier ones
    const r = await twoReplicasSend(6, 120);
    expect(r.unsent).toBe(0);
    expect(r.sent.map((x) => x.event_id).sort()).toEqual(r.records.map((x) => x.event_id).sort());
    for (const u of r.users) {
      const seqs = r.sent.filter((x) => x.user_id === u).map((x) => x.seq);
      expect(seqs, `${u}'s rows in order`).toEqual([...seqs].sort((a, b) => a - b));
    }
    expect(r.overlapping, "batches of a user's rows in flight at once").toBe(0);
  });

  it('many users: the lanes of both relays send at once', async () => {
    const r = await twoReplicasSend(40, 200);
    expect(r.unsent).toBe(0);
    expect(r.sent).toHaveLength(200);
    expect(r.overlapping).toBe(0);
    expect(r.maxInFlight).toBeGreaterThan(3); // more than one relay's three lanes
  });
});

describe("a user's rows are numbered in the order they commit", () => {
  const record = (user_id: string, what: string, topic: 'task-updates' | 'reminders' = 'task-updates'): OutboxRecord => ({
    kind: 'event',
    event_id: randomUUID(),
    topic,
    type: what,
    user_id,
    payload: {} as never,
  });
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  // PGlite has one connection, so two writes never overlap there: this needs PostgreSQL.
  it.skipIf(!server)("a task-updates write waits for the same user's uncommitted one; another user's does not", async () => {
    const run = randomUUID().slice(0, 8);
    const [user, other] = [`${run}-user`, `${run}-other`];
    let commit = () => {};
    const gate = new Promise<void>((r) => (commit = r));
    const first = database.db.transaction(async (tx) => {
      await createOutboxWriter(tx as unknown as Db).append([record(user, 'first')]);
      await gate;
    });
    await sleep(100); // the first write holds the user's lock, uncommitted
    let secondDone = false;
    const second = createOutboxWriter(database.db)
      .append([record(user, 'second')])
      .then(() => (secondDone = true));
    await createOutboxWriter(database.db).append([record(other, 'not held up')]);
    // other topics are not resumed by id: a reminder of the same user takes no lock
    await createOutboxWriter(database.db).append([record(user, 'reminder', 'reminders')]);
    await sleep(200);
    expect(secondDone, 'the second write waited for the first to commit').toBe(false);
    commit();
    await Promise.all([first, second]);
    const rows = await sqlRunner(database.db).query<{ type: string }>('select type from outbox where user_id = $1 order by seq', [user]);
    expect(rows.map((r) => r.type)).toEqual(['first', 'reminder', 'second']);
  });

  it.skipIf(!server)('writes of several users at once take their locks in one order: no deadlock', async () => {
    const run = randomUUID().slice(0, 8);
    const users = Array.from({ length: 4 }, (_, i) => `${run}-u${i}`);
    const writer = createOutboxWriter(database.db);
    for (let i = 0; i < 20; i++) {
      // the same users in opposite orders, and single-user writes between them
      await Promise.all([
        writer.append(users.map((u) => record(u, 'forward'))),
        writer.append([...users].reverse().map((u) => record(u, 'backward'))),
        ...users.map((u) => writer.append([record(u, 'alone')])),
      ]);
    }
    const [row] = await sqlRunner(database.db).query<{ n: number }>(
      'select count(*)::int as n from outbox where user_id = any($1::text[])',
      [users],
    );
    expect(row!.n).toBe(20 * users.length * 3);
  });
});
