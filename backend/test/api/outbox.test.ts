import { eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlRunner } from '../../src/adapters/postgres/db.js';
import { createUnitOfWork } from '../../src/adapters/postgres/outbox.js';
import { auditLog, outbox, tasks } from '../../src/adapters/postgres/schema.js';
import { createTaskService } from '../../src/app/tasks.js';
import { createTaskRepository } from '../../src/adapters/postgres/task-repository.js';
import { systemClock, type NewTaskRow } from '../../src/ports/index.js';
import { eventually, startTestApp, usingPostgres, type TestApp, type TestUser } from './harness.js';

let t: TestApp;
let u: TestUser;
beforeAll(async () => {
  t = await startTestApp();
  u = await t.signUp('outboxer');
});
afterAll(() => t.stop());

const db = () => t.core.database.db;
/** A plain new task as the repository inserts it. */
const newTaskRow = (title: string): NewTaskRow => ({
  title,
  description: '',
  priority: 'none',
  tags: [],
  due_at: null,
  time_zone: 'UTC',
  reminders: [],
  recurrence: null,
  series_id: null,
  occurrence: 1,
});
const outboxFor = (taskId: number) =>
  db()
    .select()
    .from(outbox)
    .where(sql`(${outbox.payload}->>'task_id' = ${String(taskId)} or ${outbox.payload}->'task'->>'id' = ${String(taskId)})`)
    .orderBy(outbox.seq);

describe('transactional outbox', () => {
  it('writes task-events, task-updates and reminder jobs with the change, in requirements shape', async () => {
    const task = (
      await t.as(u, {
        method: 'POST',
        url: '/api/v1/tasks',
        payload: { title: 'Evented', due_at: '2031-05-05T10:00:00Z', reminders: [{ minutes_before: 10 }] },
      })
    ).json();
    const rows = await outboxFor(task.id);
    expect(rows.map((r) => [r.kind, r.topic, r.type])).toEqual([
      ['event', 'task-events', 'task.created'],
      ['event', 'task-updates', 'task.created'],
      ['reminder-jobs', null, 'reminder-jobs'],
    ]);
    const event = rows[0]!.payload as Record<string, unknown>;
    expect(event).toMatchObject({
      event_id: rows[0]!.eventId,
      schema_version: 1,
      event_type: 'created',
      task_id: task.id,
      user_id: u.id,
      task_data: { id: task.id, title: 'Evented' },
    });
    expect(rows[2]!.payload).toMatchObject({ task_id: task.id, schedule: [{ remind_at: '2031-05-05T09:50:00.000Z' }], cancel: [] });
  });

  it('moving the due date reschedules: the old job is cancelled, a new one scheduled', async () => {
    const task = (
      await t.as(u, {
        method: 'POST',
        url: '/api/v1/tasks',
        payload: { title: 'Moved', due_at: '2031-05-05T10:00:00Z', reminders: [{ minutes_before: 10 }] },
      })
    ).json();
    await t.as(u, { method: 'PATCH', url: `/api/v1/tasks/${task.id}`, payload: { due_at: '2031-05-06T10:00:00Z' } });
    const jobs = (await outboxFor(task.id))
      .filter((r) => r.kind === 'reminder-jobs')
      .map((r) => r.payload as { schedule: { name: string }[]; cancel: string[] });
    expect(jobs).toHaveLength(2);
    expect(jobs[1]!.cancel).toEqual([jobs[0]!.schedule[0]!.name]);
    expect(jobs[1]!.schedule[0]!.name).not.toBe(jobs[0]!.schedule[0]!.name);
  });

  it('a change that rolls back leaves neither the task nor its outbox rows', async () => {
    const uow = createUnitOfWork(db(), () => {});
    const svc = createTaskService({ uow, reader: createTaskRepository(db()), clock: systemClock });
    const before = (
      await db()
        .select({ n: sql<number>`count(*)::int` })
        .from(outbox)
    )[0]!.n;
    await expect(
      uow.run(async (tx) => {
        const task = await tx.tasks.insert(u.id, newTaskRow('Doomed'));
        await tx.outbox.append([
          {
            kind: 'event',
            event_id: crypto.randomUUID(),
            topic: 'task-events',
            type: 'task.created',
            user_id: u.id,
            payload: { task_id: task.id } as never,
          },
        ]);
        throw new Error('crash after writing');
      }),
    ).rejects.toThrow('crash after writing');
    expect(await db().select().from(tasks).where(eq(tasks.title, 'Doomed'))).toEqual([]);
    expect(
      (
        await db()
          .select({ n: sql<number>`count(*)::int` })
          .from(outbox)
      )[0]!.n,
    ).toBe(before);
    // and a use case that fails validation writes nothing either
    await expect(svc.create(u.id, { title: 'bad', reminders: [{ minutes_before: 5 }] })).rejects.toThrow();
    expect(
      (
        await db()
          .select({ n: sql<number>`count(*)::int` })
          .from(outbox)
      )[0]!.n,
    ).toBe(before);
  });

  it('a create writes the task and its records in one statement; the records carry the task as stored', async () => {
    const created = await t.as(u, {
      method: 'POST',
      url: '/api/v1/tasks',
      payload: { title: 'One write', tags: ['b', 'a'], due_at: '2031-05-05T10:00:00Z', reminders: [{ minutes_before: 5 }] },
    });
    expect(created.statusCode).toBe(201);
    const task = created.json();
    const stored = (await t.as(u, { method: 'GET', url: `/api/v1/tasks/${task.id}` })).json();
    expect(task).toEqual(stored);
    const [event, update, jobs] = await outboxFor(task.id);
    // the very JSON the API answers, timestamps and version included (not the task as known before the insert)
    expect((event!.payload as { task_data: unknown }).task_data).toEqual(stored);
    expect((update!.payload as { task: unknown }).task).toEqual(stored);
    expect((jobs!.payload as { schedule: { name: string }[] }).schedule[0]!.name).toMatch(new RegExp(`^reminder-${task.id}-`));
  });

  it('a create whose records cannot be written leaves no task (one statement: all or nothing)', async () => {
    const uow = createUnitOfWork(db(), () => {});
    const fields = newTaskRow('Half-written');
    const invalid = (task: { id: number }) => [
      {
        kind: 'event' as const,
        event_id: 'not-a-uuid',
        topic: 'task-events' as const,
        type: 'task.created',
        user_id: u.id,
        payload: { task_id: task.id } as never,
      },
    ];
    await expect(uow.createTask(u.id, fields, invalid)).rejects.toThrow();
    expect(await db().select().from(tasks).where(eq(tasks.title, 'Half-written'))).toEqual([]);
  });

  it('task ids are reserved in blocks: two processes creating at once never collide', async () => {
    const fields = newTaskRow;
    const processes = [createUnitOfWork(db(), () => {}), createUnitOfWork(db(), () => {})];
    const ids = await Promise.all(
      processes.map(async (uow, p) => {
        const mine: number[] = [];
        for (let i = 0; i < 40; i++) mine.push((await uow.createTask(u.id, fields(`Block ${p}.${i}`), () => [])).id);
        return mine;
      }),
    );
    const all = ids.flat();
    expect(new Set(all).size).toBe(80);
    // each process counts up inside its own blocks of 32: 40 ids, so one jump to a new block (two at most)
    for (const mine of ids) {
      const jumps = mine.slice(1).filter((id, i) => id !== mine[i]! + 1);
      expect(jumps.length, `ids ${mine.join(',')}`).toBeLessThanOrEqual(2);
    }
    // an insert that takes the column default still gets an unused id
    const other = await createTaskRepository(db()).insert(u.id, fields('Default id'));
    expect(all).not.toContain(other.id);
  });

  it('the relay publishes every row; consumers see each event (audit entry per change)', async () => {
    const task = (await t.as(u, { method: 'POST', url: '/api/v1/tasks', payload: { title: 'Audited' } })).json();
    await t.as(u, { method: 'PATCH', url: `/api/v1/tasks/${task.id}`, payload: { title: 'Audited twice' } });
    await t.as(u, { method: 'POST', url: `/api/v1/tasks/${task.id}/complete` });
    await t.as(u, { method: 'DELETE', url: `/api/v1/tasks/${task.id}` });
    const entries = await eventually(async () => {
      const rows = await db().select().from(auditLog).where(eq(auditLog.taskId, task.id)).orderBy(auditLog.at, auditLog.id);
      return rows.length === 4 ? rows : null;
    });
    expect(entries.map((e) => e.eventType)).toEqual(['created', 'updated', 'completed', 'deleted']);
    const history = (await t.as(u, { method: 'GET', url: `/api/v1/tasks/${task.id}/history` })).json();
    expect(history.items.map((e: { event_type: string }) => e.event_type)).toEqual(['deleted', 'completed', 'updated', 'created']);
    const rows = await outboxFor(task.id);
    expect(rows.every((r) => r.sentAt !== null)).toBe(true);
  });

  it('redelivering an event does not duplicate its effects (idempotent consumers)', async () => {
    const task = (
      await t.as(u, {
        method: 'POST',
        url: '/api/v1/tasks',
        payload: { title: 'Redelivered daily', due_at: '2031-01-01T08:00:00Z', recurrence: { rule: 'FREQ=DAILY', mode: 'due' } },
      })
    ).json();
    await t.as(u, { method: 'POST', url: `/api/v1/tasks/${task.id}/complete` });
    await eventually(
      async () => (await t.as(u, { method: 'GET', url: '/api/v1/tasks?q=redelivered&status=pending' })).json().items.length === 1,
    );
    // mark every row of this task unsent again, as if the relay crashed before stamping them
    const seqs = (await outboxFor(task.id)).map((r) => r.seq);
    await db().update(outbox).set({ sentAt: null }).where(inArray(outbox.seq, seqs));
    await eventually(async () => (await outboxFor(task.id)).every((r) => r.sentAt !== null));
    const series = (await t.as(u, { method: 'GET', url: '/api/v1/tasks?q=redelivered&status=all' })).json().items;
    expect(series).toHaveLength(2);
    const audit = await db().select().from(auditLog).where(eq(auditLog.taskId, task.id));
    expect(audit).toHaveLength(2);
  });

  // PGlite lives in one process, whose commits wake its relay in-process; PostgreSQL is
  // shared, and another process's commits reach the relay as a NOTIFY.
  it.skipIf(!usingPostgres)(
    '(PostgreSQL) a NOTIFY from another connection wakes the listener, also after its connection was lost',
    async () => {
      const channel = `kairos_test_${process.pid}`;
      let woken = 0;
      const unlisten = await t.core.database.onNotify(channel, () => woken++);
      const listeners = () =>
        sqlRunner(db()).query<{ pid: number }>(`select pid from pg_stat_activity where application_name = 'kairos-listen' and query = $1`, [
          `listen "${channel}"`,
        ]);
      try {
        await db().execute(sql`select pg_notify(${channel}, '')`);
        await eventually(async () => woken === 1, 3000);
        // the server ends the listening connection (a restart, a failover)
        for (const { pid } of await listeners()) await sqlRunner(db()).query('select pg_terminate_backend($1)', [pid]);
        // reopened, and woken once in case a notification was missed meanwhile
        await eventually(async () => woken === 2 && (await listeners()).length === 1, 10_000);
        await db().execute(sql`select pg_notify(${channel}, '')`);
        await eventually(async () => woken === 3, 3000);
      } finally {
        await unlisten();
      }
      await eventually(async () => (await listeners()).length === 0, 3000);
    },
  );
});
