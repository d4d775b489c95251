// The WebSocket replay log on a real database: a replay returns a user's published
// updates in order and stops below that user's oldest unpublished row — and only that
// user's: a row another user's relay lane has not sent yet holds back nobody else.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, sqlRunner, type Database } from '../../src/adapters/postgres/db.js';
import { createOutboxWriter } from '../../src/adapters/postgres/outbox.js';
import { createUpdatesLog } from '../../src/adapters/postgres/user-data.js';
import { TOPICS } from '../../src/domain/events.js';

let database: Database;
beforeAll(async () => {
  database = await openDatabase({ dataDir: 'memory://' });
  await database.migrate();
});
afterAll(() => database.close());

const update = (user_id: string, i: number) => ({
  kind: 'event' as const,
  event_id: randomUUID(),
  topic: TOPICS.taskUpdates,
  type: 'task.created',
  user_id,
  payload: { i } as never,
});

describe('updates log', () => {
  it("replays a user's sent updates in order, up to their own oldest unsent one", async () => {
    // a, b, a, b, a, b: then everything sent except b's first and a's last
    await createOutboxWriter(database.db).append([0, 1, 2].flatMap((i) => [update('log-a', i), update('log-b', i)]));
    const run = sqlRunner(database.db);
    const rows = await run.query<{ seq: number; user_id: string }>(
      "select seq::int as seq, user_id from outbox where user_id in ('log-a', 'log-b') order by seq",
    );
    const seqOf = (user: string) => rows.filter((r) => r.user_id === user).map((r) => r.seq);
    const [a0, a1, a2] = seqOf('log-a');
    const [b0, b1, b2] = seqOf('log-b');
    await run.query('update outbox set sent_at = now() where seq = any($1::bigint[])', [[a0, a1, b1, b2]]);

    const log = createUpdatesLog(database.db);
    // b's first update is unsent: nothing of b's after it yet, but a's are not held back by it
    expect((await log.since('log-a', 0, 100)).map((r) => r.seq)).toEqual([a0, a1]);
    expect(await log.since('log-b', 0, 100)).toEqual([]);
    expect((await log.since('log-a', a0!, 100)).map((r) => r.seq)).toEqual([a1]);
    expect(await log.latest('log-a')).toBe(a2);

    await run.query('update outbox set sent_at = now() where seq = any($1::bigint[])', [[a2, b0]]);
    expect((await log.since('log-b', 0, 100)).map((r) => r.seq)).toEqual([b0, b1, b2]);
    expect((await log.since('log-b', 0, 2)).map((r) => r.seq)).toEqual([b0, b1]);
    expect((await log.since('log-a', 0, 100)).map((r) => r.data)).toEqual([{ i: 0 }, { i: 1 }, { i: 2 }]);
  });
});
