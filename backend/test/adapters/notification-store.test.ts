import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/adapters/postgres/db.js';
import { createNotificationStore } from '../../src/adapters/postgres/user-data.js';

// PGlite in memory, or the PostgreSQL server at DATABASE_URL (the API suite's convention).
let database: Database;
beforeAll(async () => {
  database = await openDatabase(process.env.DATABASE_URL ? { url: process.env.DATABASE_URL } : { dataDir: 'memory://' });
  await database.migrate();
});
afterAll(() => database?.close());

const reminder = (task_id: number, event_id = randomUUID()) => ({
  event_id,
  user_id: `user-${randomUUID()}`,
  task_id,
  title: `task ${task_id}`,
  due_at: null,
  remind_at: '2026-11-24T10:00:00.000Z',
});

describe('notification store: insertMany', () => {
  it('stores a batch in one statement and answers in input order', async () => {
    const store = createNotificationStore(database.db);
    const batch = [reminder(1), reminder(2), reminder(3)];
    const stored = await store.insertMany(batch);
    expect(stored.map((n) => n?.task_id)).toEqual([1, 2, 3]);
    expect(new Set(stored.map((n) => n?.id)).size).toBe(3);
    expect(stored[0]).toMatchObject({ title: 'task 1', due_at: null, remind_at: '2026-11-24T10:00:00.000Z', read_at: null });
    // what the insert answers (it goes out on the WebSocket) is what a later read returns
    for (const [i, n] of stored.entries()) {
      expect((await store.list(batch[i]!.user_id, { unreadOnly: false, limit: 50 })).items).toEqual([n]);
    }
  });

  it('answers null for an event already stored, and for the second copy of an event in the same batch', async () => {
    const store = createNotificationStore(database.db);
    const earlier = reminder(10);
    await store.insertMany([earlier]);
    const twice = reminder(11);
    const stored = await store.insertMany([earlier, twice, reminder(12), twice]);
    expect(stored.map((n) => n?.task_id ?? null)).toEqual([null, 11, 12, null]);
  });

  it('does nothing for an empty batch', async () => {
    expect(await createNotificationStore(database.db).insertMany([])).toEqual([]);
  });
});
