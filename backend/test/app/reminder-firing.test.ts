// Reminder jobs that come due together are fired as batches on a real database: every live
// reminder becomes exactly one `reminders` event for its owner, a stale job (task deleted,
// completed or moved) none, whatever batch it lands in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, sqlRunner, type Database } from '../../src/adapters/postgres/db.js';
import { createUnitOfWork } from '../../src/adapters/postgres/outbox.js';
import { createTaskRepository } from '../../src/adapters/postgres/task-repository.js';
import { createReminderFiring } from '../../src/app/reminders.js';
import { createTaskService } from '../../src/app/tasks.js';
import { reminderInstants } from '../../src/domain/reminders.js';
import { systemClock } from '../../src/ports/index.js';

let database: Database;
beforeAll(async () => {
  database = await openDatabase({ dataDir: 'memory://' });
  await database.migrate();
});
afterAll(() => database.close());

describe('firing reminder jobs', () => {
  it('fires a burst of jobs for two users: one event per live reminder, none for stale ones', async () => {
    const uow = createUnitOfWork(database.db, () => {});
    const reader = createTaskRepository(database.db);
    const tasks = createTaskService({ uow, reader, clock: systemClock });
    const fire = createReminderFiring({ uow, reader, clock: systemClock });
    const at = new Date(Date.now() + 3_600_000).toISOString();
    const created = [];
    for (let i = 0; i < 40; i++) {
      created.push(await tasks.create(i % 2 ? 'ann' : 'bob', { title: `t${i}`, reminders: [{ at }] } as never));
    }
    const jobs = created.map((t) => ({ name: reminderInstants(t)[0]!.name, task: t }));
    // three go stale before their jobs fire: deleted, completed, moved
    await tasks.remove(created[0]!.user_id, created[0]!.id);
    await tasks.complete(created[1]!.user_id, created[1]!.id);
    await tasks.update(created[2]!.user_id, created[2]!.id, {
      reminders: [{ at: new Date(Date.now() + 7_200_000).toISOString() }],
    } as never);
    // a job naming another user's task is stale too (the read is scoped to the owner)
    const foreign = { name: jobs[3]!.name, payload: { user_id: 'mallory', task_id: jobs[3]!.task.id, remind_at: at } };

    const outcomes = await Promise.all([
      ...jobs.map((j) => fire(j.name, { user_id: j.task.user_id, task_id: j.task.id, remind_at: at })),
      fire(foreign.name, foreign.payload),
    ]);

    expect(outcomes.slice(0, 3)).toEqual(['stale', 'stale', 'stale']);
    expect(outcomes.slice(3, 40).every((o) => o === 'published')).toBe(true);
    expect(outcomes[40]).toBe('stale');
    const events = await sqlRunner(database.db).query<{ user_id: string; task_id: number }>(
      `select user_id, (payload->>'task_id')::int as task_id from outbox where topic = 'reminders' order by seq`,
    );
    expect(events).toHaveLength(37);
    expect(new Set(events.map((e) => e.task_id))).toEqual(new Set(created.slice(3).map((t) => t.id)));
    for (const e of events) expect(e.user_id).toBe(created.find((t) => t.id === e.task_id)!.user_id);
  });
});
