/**
 * The event pipeline on the real stack: api → outbox → Dapr pub/sub → Kafka → each
 * consumer role; reminders on the Dapr Jobs API; realtime fan-out over WebSocket.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMTPServer } from 'smtp-server';
import { API_SIDECAR, connect, eventually, signUp, type User } from './client.js';
import { alarmName } from '../../src/adapters/dapr/jobs.js';

interface Mail {
  to: string[];
  body: string;
  at: number;
}
const mails: Mail[] = [];
const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  onData(stream, session, callback) {
    let body = '';
    stream.on('data', (c) => (body += c));
    stream.on('end', () => {
      mails.push({ to: session.envelope.rcptTo.map((r) => r.address), body, at: Date.now() });
      callback();
    });
  },
});

let a: User;
let b: User;
beforeAll(async () => {
  await new Promise<void>((resolve) => smtp.listen(2525, '127.0.0.1', resolve));
  [a, b] = [await signUp('alice'), await signUp('bob')];
});
afterAll(() => new Promise<void>((resolve) => smtp.close(() => resolve())));

describe('task events reach their consumers through Kafka', () => {
  it('a new task has its audit entry within 1 s', async () => {
    const task = (await a.call('POST', '/api/v1/tasks', { title: 'Audited through Kafka' })).json;
    const started = Date.now();
    const history = await eventually(
      async () => {
        const h = (await a.call('GET', `/api/v1/tasks/${task.id}/history`)).json;
        return h.items.length ? h.items : null;
      },
      5000,
      'audit entry',
    );
    expect(Date.now() - started).toBeLessThan(1000);
    expect(history[0]).toMatchObject({ event_type: 'created', task_data: { id: task.id, title: 'Audited through Kafka' } });
  });

  it("an import: each task's audit entry comes through Kafka, and its reminder fires on the Dapr Jobs API", async () => {
    const c = await signUp('importer');
    const at = new Date(Date.now() + 4000).toISOString();
    const doc = {
      format: 'kairos-export',
      version: 1,
      tasks: [{ title: 'Imported one' }, { title: 'Imported with a reminder', reminders: [{ at }] }],
    };
    const res = await c.call('POST', '/api/v1/import', doc);
    expect(res.status, JSON.stringify(res.json)).toBe(201);
    const tasks: Array<{ id: number }> = (await c.call('GET', '/api/v1/export')).json.tasks;
    expect(tasks).toHaveLength(2);
    for (const task of tasks) {
      const history = await eventually(
        async () => {
          const items = (await c.call('GET', `/api/v1/tasks/${task.id}/history`)).json.items;
          return items.length ? items : null;
        },
        10_000,
        'audit entry of an imported task',
      );
      expect(history.map((h: { event_type: string }) => h.event_type)).toEqual(['created']);
    }
    const n = await eventually(async () => (await c.call('GET', '/api/v1/notifications')).json.items[0], 20_000, 'the imported reminder');
    expect(n).toMatchObject({ title: 'Imported with a reminder', remind_at: at });
    expect(Date.parse(n.created_at)).toBeGreaterThanOrEqual(Date.parse(at));
  });

  it('completing a daily task creates exactly one next occurrence with its reminder re-armed', async () => {
    const due = new Date(Date.now() + 2 * 86_400_000);
    due.setUTCHours(9, 0, 0, 0);
    const task = (
      await a.call('POST', '/api/v1/tasks', {
        title: 'Daily through Dapr',
        due_at: due.toISOString(),
        time_zone: 'UTC',
        recurrence: { rule: 'FREQ=DAILY', mode: 'due' },
        reminders: [{ minutes_before: 30 }],
      })
    ).json;
    await a.call('POST', `/api/v1/tasks/${task.id}/complete`);
    const next = await eventually(
      async () => {
        const items = (await a.call('GET', '/api/v1/tasks?q=daily%20through&status=pending')).json.items;
        return items.length ? items : null;
      },
      10_000,
      'next occurrence',
    );
    await new Promise((r) => setTimeout(r, 1500)); // a duplicate would have arrived by now
    const all = (await a.call('GET', '/api/v1/tasks?q=daily%20through&status=all')).json.items;
    expect(all).toHaveLength(2);
    expect(next[0]).toMatchObject({ occurrence: 2, series_id: task.series_id, due_at: new Date(due.getTime() + 86_400_000).toISOString() });
    // its reminder is on the schedule, and the Dapr scheduler holds the alarm for its instant
    const history = (await a.call('GET', `/api/v1/tasks/${next[0].id}/history`)).json;
    expect(history.items[0].event_type).toBe('created');
    const reminder = await reminderJob(next[0]);
    const alarm = await eventually(
      async () => {
        const res = await fetch(`${API_SIDECAR}/v1.0-alpha1/jobs/${alarmName(new Date(reminder.remind_at))}`);
        return res.status === 200 ? res : null;
      },
      5000,
      'the reminder alarm in the Dapr scheduler',
    );
    expect(alarm.status).toBe(200);
  });

  it('"every weekday" completed on a Friday moves to Monday', async () => {
    // a Friday 09:00 UTC at least a week ahead
    const friday = new Date(Date.now() + 7 * 86_400_000);
    friday.setUTCDate(friday.getUTCDate() + ((5 - friday.getUTCDay() + 7) % 7));
    friday.setUTCHours(9, 0, 0, 0);
    const task = (
      await a.call('POST', '/api/v1/tasks', {
        title: 'Weekday standup sys',
        due_at: friday.toISOString(),
        time_zone: 'UTC',
        recurrence: { rule: 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR', mode: 'due' },
      })
    ).json;
    await a.call('POST', `/api/v1/tasks/${task.id}/complete`);
    const next = await eventually(
      async () => (await a.call('GET', '/api/v1/tasks?q=weekday%20standup&status=pending')).json.items[0],
      10_000,
      'next weekday',
    );
    expect(new Date(next.due_at).getUTCDay()).toBe(1);
    expect(Date.parse(next.due_at) - friday.getTime()).toBe(3 * 86_400_000);
  });
});

async function reminderJob(task: {
  id: number;
  due_at: string;
  reminders: { minutes_before?: number }[];
  occurrence: number;
  completed: boolean;
}) {
  const { reminderInstants } = await import('../../src/domain/reminders.js');
  return reminderInstants(task as never)[0]!;
}

describe('reminders on the Dapr Jobs API', () => {
  it('fires at its time (never before) as an in-app notification and an e-mail', async () => {
    await a.call('PUT', '/api/v1/me/preferences', { email_reminders: true, time_zone: 'UTC' });
    const at = new Date(Date.now() + 3000);
    const task = (
      await a.call('POST', '/api/v1/tasks', {
        title: 'Reminder via scheduler',
        due_at: new Date(at.getTime() + 600_000).toISOString(),
        reminders: [{ at: at.toISOString() }],
      })
    ).json;
    const n = await eventually(
      async () => (await a.call('GET', '/api/v1/notifications')).json.items.find((x: { task_id: number }) => x.task_id === task.id),
      15_000,
      'notification',
    );
    expect(Date.parse(n.created_at)).toBeGreaterThanOrEqual(at.getTime());
    const mail = await eventually(
      async () => mails.find((m) => m.to.includes(a.email) && m.body.includes('Reminder via scheduler')),
      15_000,
      'e-mail',
    );
    expect(mail.at).toBeGreaterThanOrEqual(at.getTime());
  });

  it('a moved reminder fires at the new time; a deleted task never notifies', async () => {
    const soon = Date.now() + 3000;
    const moved = (
      await a.call('POST', '/api/v1/tasks', {
        title: 'Moved reminder',
        due_at: new Date(soon).toISOString(),
        reminders: [{ minutes_before: 0 }],
      })
    ).json;
    const gone = (
      await a.call('POST', '/api/v1/tasks', {
        title: 'Deleted reminder',
        due_at: new Date(soon).toISOString(),
        reminders: [{ minutes_before: 0 }],
      })
    ).json;
    await a.call('PATCH', `/api/v1/tasks/${moved.id}`, { due_at: new Date(soon + 3000).toISOString() });
    await a.call('DELETE', `/api/v1/tasks/${gone.id}`);
    const n = await eventually(
      async () => (await a.call('GET', '/api/v1/notifications')).json.items.find((x: { task_id: number }) => x.task_id === moved.id),
      15_000,
      'moved notification',
    );
    expect(Date.parse(n.created_at)).toBeGreaterThanOrEqual(soon + 3000);
    expect((await a.call('GET', '/api/v1/notifications')).json.items.some((x: { task_id: number }) => x.task_id === gone.id)).toBe(false);
  });
});

describe('realtime fan-out', () => {
  it("two clients of A get A's update; B's client gets nothing; a reconnect resumes", async () => {
    const a1 = connect(a);
    const a2 = connect(a);
    const b1 = connect(b);
    await Promise.all([a1.opened, a2.opened, b1.opened]);
    const task = (await a.call('POST', '/api/v1/tasks', { title: 'Fan out' })).json;
    for (const c of [a1, a2])
      await eventually(async () => c.messages.find((m) => m.type === 'task.created' && m.task?.id === task.id), 5000, 'push');
    const seen = a1.messages.find((m) => m.task?.id === task.id)!;
    a1.ws.close();
    const missed = (await a.call('POST', '/api/v1/tasks', { title: 'Missed while away' })).json;
    await eventually(async () => a2.messages.find((m) => m.task?.id === missed.id), 5000, 'push to a2');
    const again = connect(a, seen.id);
    await again.opened;
    expect(again.messages.filter((m) => m.type.startsWith('task.')).map((m) => m.task?.id)).toContain(missed.id);
    expect(b1.messages.filter((m) => m.type.startsWith('task.'))).toEqual([]);
    for (const c of [a2, b1, again]) c.ws.close();
  });
});

describe('dead letters', () => {
  it('an invalid event goes to the dead-letter topic and consumers keep going', async () => {
    const metrics = async () =>
      (await (await fetch('http://127.0.0.1:4003/metrics')).text()).match(
        /kairos_events_consumed_total\{[^}]*consumer="audit"[^}]*outcome="dead_lettered"[^}]*\} (\d+)/,
      )?.[1] ?? '0';
    const before = Number(await metrics());
    const res = await fetch(`${API_SIDECAR}/v1.0/publish/kairos-pubsub/task-events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ event_type: 'exploded', task_id: 'not a number' }),
    });
    expect(res.status).toBe(204);
    await eventually(async () => Number(await metrics()) > before, 10_000, 'dead-letter count');
    const task = (await a.call('POST', '/api/v1/tasks', { title: 'After the poison' })).json;
    await eventually(
      async () => (await a.call('GET', `/api/v1/tasks/${task.id}/history`)).json.items.length > 0,
      5000,
      'audit after poison',
    );
  });
});
