// The relay's lease: renewed while its batch is being sent (so another relay — another api
// replica — never sends it too), and short, so rows a dead relay held go out soon after.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlRunner, type Database } from '../../src/adapters/postgres/db.js';
import { openOwnDatabase } from './own-database.js';
import { createOutboxWriter } from '../../src/adapters/postgres/outbox.js';
import { createOutboxRelay } from '../../src/adapters/postgres/outbox-relay.js';
import type { OutboxRecord } from '../../src/domain/events.js';
import type { OutboxDispatch } from '../../src/ports/index.js';

let database: Database;
let closeDatabase: () => Promise<void>;
beforeAll(async () => {
  ({ database, close: closeDatabase } = await openOwnDatabase('outbox_lease'));
});
afterAll(() => closeDatabase());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const records = (user: string, n: number): OutboxRecord[] =>
  Array.from({ length: n }, (_, i) => ({
    kind: 'event',
    event_id: randomUUID(),
    topic: 'task-updates',
    type: 'test',
    user_id: user,
    payload: { i } as never,
  }));
/** A dispatch that records what it sent (event ids, in order), after `ms`. */
const recording = (sent: string[], ms = 0, onStart?: () => void): OutboxDispatch => {
  return async (batch) => {
    onStart?.();
    if (ms) await sleep(ms);
    sent.push(...batch.map((r) => r.event_id));
    return { done: new Set(batch.map((r) => r.seq)) };
  };
};

describe('outbox relay lease', () => {
  it('keeps the lease of a batch still being sent, so another relay does not send it too', async () => {
    const appended = records(`lease-a-${randomUUID()}`, 3);
    await createOutboxWriter(database.db).append(appended);
    const byA: string[] = [];
    const byB: string[] = [];
    let aSending = false;
    // A's broker takes four leases' time for the batch
    const a = createOutboxRelay({ db: database.db, pollMs: 60_000, leaseMs: 300, dispatch: recording(byA, 1200, () => (aSending = true)) });
    a.start();
    for (let i = 0; i < 100 && !aSending; i++) await sleep(10);
    expect(aSending).toBe(true);
    const b = createOutboxRelay({ db: database.db, pollMs: 50, leaseMs: 300, dispatch: recording(byB) });
    b.start();
    await sleep(1500);
    await Promise.all([a.stop(2000), b.stop(2000)]);
    expect(byA).toEqual(appended.map((r) => r.event_id));
    expect(byB).toEqual([]);
  });

  it("sends a dead relay's rows once its lease runs out, and the user's later rows after them", async () => {
    const user = `lease-b-${randomUUID()}`;
    const appended = records(user, 2);
    await createOutboxWriter(database.db).append(appended);
    // a relay leased the first row and died: never stamped, never released
    await sqlRunner(database.db).query(
      `update outbox set locked_until = now() + interval '400 milliseconds'
       where seq = (select min(seq) from outbox where user_id = $1)`,
      [user],
    );
    const started = Date.now();
    const sent: string[] = [];
    const relay = createOutboxRelay({ db: database.db, pollMs: 50, leaseMs: 400, dispatch: recording(sent) });
    relay.start();
    for (let i = 0; i < 300 && sent.length < 2; i++) await sleep(10);
    const waited = Date.now() - started;
    await relay.stop(2000);
    expect(sent).toEqual(appended.map((r) => r.event_id));
    // not before the lease ran out (the second row waits for the first: the user's order)
    expect(waited).toBeGreaterThanOrEqual(350);
  });
});
