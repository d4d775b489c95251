// Due reminder jobs fire from the schedule on a real database: every live reminder becomes
// exactly one `reminders` event for its owner, a stale job (task deleted, completed or
// moved, another user's task, a malformed payload) none; nothing fires before its time;
// a pass that fails leaves its jobs on the schedule; however many alarms and processes
// fire at once, each job is claimed once.
import { Registry } from 'prom-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, sqlRunner, type Database } from '../../src/adapters/postgres/db.js';
import { createUnitOfWork } from '../../src/adapters/postgres/outbox.js';
import { createScheduledJobStore } from '../../src/adapters/postgres/scheduled-jobs.js';
import { createTaskRepository } from '../../src/adapters/postgres/task-repository.js';
import { createReminderFiring } from '../../src/app/reminders.js';
import { createTaskService } from '../../src/app/tasks.js';
import { reminderInstants } from '../../src/domain/reminders.js';
import type { Task } from '../../src/domain/types.js';
import { createPipelineMetrics } from '../../src/observability/metrics.js';
import { systemClock, type UnitOfWork } from '../../src/ports/index.js';

let database: Database;
beforeAll(async () => {
  database = await openDatabase({ dataDir: 'memory://' });
  await database.migrate();
});
afterAll(() => database.close());

const sql = () => sqlRunner(database.db);
beforeEach(async () => {
  await sql().query('delete from scheduled_jobs');
  await sql().query('delete from outbox');
});

function setup(uowOverride?: (uow: UnitOfWork) => UnitOfWork) {
  const plain = createUnitOfWork(database.db, () => {});
  const uow = uowOverride ? uowOverride(plain) : plain;
  const metrics = createPipelineMetrics(new Registry());
  const schedule = createScheduledJobStore(database.db);
  return {
    tasks: createTaskService({ uow: plain, reader: createTaskRepository(database.db), clock: systemClock }),
    fireDue: createReminderFiring({ uow, clock: systemClock, metrics }),
    metrics,
    schedule,
    // what the relay does with a task's reminder-jobs record
    scheduleReminders: (task: Task) =>
      Promise.all(
        reminderInstants(task).map((j) =>
          schedule.put(j.name, new Date(j.remind_at), { user_id: task.user_id, task_id: task.id, remind_at: j.remind_at }),
        ),
      ),
  };
}

const reminderEvents = () =>
  sql().query<{ user_id: string; task_id: number; remind_at: string }>(
    `select user_id, (payload->>'task_id')::int as task_id, payload->>'remind_at' as remind_at from outbox where topic = 'reminders' order by seq`,
  );
const scheduledCount = async () => (await sql().query<{ n: number }>('select count(*)::int as n from scheduled_jobs'))[0]!.n;
const fired = async (m: ReturnType<typeof setup>['metrics'], outcome: string) =>
  (await m.remindersFired.get()).values.find((v) => v.labels.outcome === outcome)?.value ?? 0;

describe('firing due reminder jobs', () => {
  it('a burst for two users: one event per live reminder, none for stale ones, whatever alarms go off together', async () => {
    const { tasks, fireDue, metrics, schedule, scheduleReminders } = setup();
    const at = new Date(Date.now() + 3_600_000);
    const created: Task[] = [];
    for (let i = 0; i < 40; i++) {
      const task = await tasks.create(i % 2 ? 'ann' : 'bob', { title: `t${i}`, reminders: [{ at: at.toISOString() }] } as never);
      created.push(task);
      await scheduleReminders(task);
    }
    // three go stale before their jobs fire: deleted, completed, moved (the relay has not cancelled them yet)
    await tasks.remove(created[0]!.user_id, created[0]!.id);
    await tasks.complete(created[1]!.user_id, created[1]!.id);
    await tasks.update(created[2]!.user_id, created[2]!.id, {
      reminders: [{ at: new Date(Date.now() + 7_200_000).toISOString() }],
    } as never);
    // a job naming another user's task is stale (the read is scoped to the owner), and so is a malformed one
    const job3 = reminderInstants(created[3]!)[0]!;
    await schedule.put(`${job3.name}-foreign`, at, { user_id: 'mallory', task_id: created[3]!.id, remind_at: job3.remind_at });
    await schedule.put('not-a-reminder', at, { hello: 'world' });

    // the instant's alarm, a second replica's sweep and an alarm for a later instant, all at once
    await Promise.all([fireDue(at), fireDue(at), fireDue(new Date(at.getTime() + 1000))]);

    const events = await reminderEvents();
    expect(events).toHaveLength(37);
    expect(new Set(events.map((e) => e.task_id))).toEqual(new Set(created.slice(3).map((t) => t.id)));
    for (const e of events) {
      expect(e.user_id).toBe(created.find((t) => t.id === e.task_id)!.user_id);
      expect(e.remind_at).toBe(at.toISOString());
    }
    expect(await scheduledCount()).toBe(0);
    expect(await fired(metrics, 'published')).toBe(37);
    expect(await fired(metrics, 'stale')).toBe(5);
    // an alarm that goes off again (a retry) finds nothing left to fire
    await fireDue(at);
    expect(await reminderEvents()).toHaveLength(37);
  });

  it('fires nothing before its time: a job due after the alarm (and after now) stays on the schedule', async () => {
    const { tasks, fireDue, scheduleReminders } = setup();
    const soon = new Date(Date.now() + 60_000);
    const later = new Date(Date.now() + 120_000);
    const a = await tasks.create('ann', { title: 'soon', reminders: [{ at: soon.toISOString() }] } as never);
    const b = await tasks.create('ann', { title: 'later', reminders: [{ at: later.toISOString() }] } as never);
    await scheduleReminders(a);
    await scheduleReminders(b);

    await fireDue(new Date(Date.now() - 1000)); // an alarm whose instant has passed: fires what is due by now
    expect(await reminderEvents()).toHaveLength(0);
    await fireDue(soon);
    expect((await reminderEvents()).map((e) => e.task_id)).toEqual([a.id]);
    expect(await scheduledCount()).toBe(1);
  });

  it('a pass that fails leaves its jobs on the schedule; the next alarm fires them once', async () => {
    let failing = true;
    const { tasks, fireDue, scheduleReminders } = setup((uow) => ({
      ...uow,
      run: (fn) =>
        uow.run((tx) =>
          fn({
            ...tx,
            outbox: {
              ...tx.outbox,
              append: async (records) => {
                if (failing) throw new Error('the database went away');
                await tx.outbox.append(records);
              },
            },
          }),
        ),
    }));
    const at = new Date(Date.now() + 60_000);
    const task = await tasks.create('bob', { title: 'survives', reminders: [{ at: at.toISOString() }] } as never);
    await scheduleReminders(task);

    await expect(fireDue(at)).rejects.toThrow('the database went away');
    expect(await scheduledCount()).toBe(1);
    failing = false;
    await fireDue(at);
    expect((await reminderEvents()).map((e) => e.task_id)).toEqual([task.id]);
    expect(await scheduledCount()).toBe(0);
  });

  it('claims more jobs than one pass takes, across two processes firing together, each once', async () => {
    const first = setup();
    const second = setup();
    const at = new Date(Date.now() + 60_000);
    // 1,100 jobs for tasks that do not exist: stale, but claimed and counted like live ones
    await sql().query(
      `insert into scheduled_jobs (name, due_at, payload)
       select 'reminder-' || i || '-000000000000', $1, jsonb_build_object('user_id', 'ghost', 'task_id', i, 'remind_at', $2::text)
       from generate_series(1, 1100) as i`,
      [at.toISOString(), at.toISOString()],
    );
    await Promise.all([first.fireDue(at), second.fireDue(at)]);
    expect(await scheduledCount()).toBe(0);
    expect((await fired(first.metrics, 'stale')) + (await fired(second.metrics, 'stale'))).toBe(1100);
  });
});
