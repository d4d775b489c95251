/**
 * Faults on the real stack: a consumer killed mid-stream, the broker restarted while the
 * api writes, and the fault matrix — kill -9 of each role in turn (the api mid-relay
 * included) and of a sidecar, PostgreSQL restarted during writes, the Dapr scheduler
 * restarted with reminder jobs pending. After each: every accepted write's events are
 * handled exactly once, every pending reminder fires once, no 5xx after recovery, and
 * the time to recover is printed.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { connect, eventually, signUp, type Msg, type User } from './client.js';

const root = resolve(import.meta.dirname, '../../..');
const stackDir = inject('stackDir');
const env = { ...process.env, KAIROS_STACK_DIR: stackDir, KAIROS_SKIP_PROVISION: '1' };
const sh = (script: string, ...args: string[]) =>
  execFileSync('bash', [`deploy/local/${script}`, ...args], { cwd: root, env, stdio: 'inherit', timeout: 300_000 });
const pidOf = (name: string) => Number(readFileSync(join(stackDir, 'run', `${name}.pid`), 'utf8').trim());

describe('fault tolerance', () => {
  it('kill -9 of the notifier while 200 reminders fire: each is delivered exactly once', async () => {
    const user = await signUp('killed');
    const at = new Date(Date.now() + 8000);
    const ids: number[] = [];
    for (let i = 0; i < 200; i += 20) {
      const batch = await Promise.all(
        Array.from({ length: 20 }, (_, j) =>
          user.call('POST', '/api/v1/tasks', {
            title: `Burst ${i + j}`,
            due_at: new Date(at.getTime() + 60_000).toISOString(),
            reminders: [{ at: at.toISOString() }],
          }),
        ),
      );
      ids.push(...batch.map((r) => r.json.id as number));
    }
    expect(Date.now()).toBeLessThan(at.getTime()); // the burst has not started yet
    await new Promise((r) => setTimeout(r, at.getTime() - Date.now() + 150));
    process.kill(pidOf('notifier'), 'SIGKILL');
    await new Promise((r) => setTimeout(r, 1000));
    sh('stack.sh', 'up'); // restarts what is down (the notifier and its sidecar)

    const list = async () => (await user.call('GET', '/api/v1/notifications?limit=200')).json.items as { task_id: number }[];
    let seen = 0;
    await eventually(async () => (seen = (await list()).length) >= 200, 120_000, '200 notifications').catch((err: Error) => {
      throw new Error(`${err.message}: ${seen} arrived`);
    });
    await new Promise((r) => setTimeout(r, 3000)); // redeliveries, if any, have arrived by now
    const items = await list();
    expect(items).toHaveLength(200);
    expect(new Set(items.map((n) => n.task_id))).toEqual(new Set(ids));
  }, 180_000);

  it('Kafka restarted while the api writes: every event still reaches the consumers', async () => {
    const user = await signUp('broker');
    sh('kafka.sh', 'stop');
    const ids: number[] = [];
    try {
      for (let i = 0; i < 20; i++) ids.push((await user.call('POST', '/api/v1/tasks', { title: `During outage ${i}` })).json.id);
    } finally {
      sh('kafka.sh', 'start');
    }
    for (const id of ids) {
      await eventually(
        async () => (await user.call('GET', `/api/v1/tasks/${id}/history`)).json.items.length === 1,
        120_000,
        `audit of task ${id}`,
      );
    }
    const after = (await user.call('POST', '/api/v1/tasks', { title: 'After the outage' })).json;
    await eventually(
      async () => (await user.call('GET', `/api/v1/tasks/${after.id}/history`)).json.items.length === 1,
      30_000,
      'audit after outage',
    );
  });
});

// ─── The fault matrix ────────────────────────────────────────────────────────────

/** A write the api accepted (answered 2xx), with the events it must cause. */
interface Accepted {
  id: number;
  series_id: string | null;
  reminder: boolean;
  completed: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A request that may meet a dead process: a refused connection is `undefined`, not a throw. */
async function attempt(user: User, method: string, path: string, body?: unknown) {
  try {
    return await user.call(method, path, body);
  } catch {
    return undefined;
  }
}

/**
 * n writes in batches of 5: every other task has a reminder at `remindAt`, every fourth is
 * a daily recurring task that is then completed (its next occurrence is the recurrence
 * role's job). Only what the api answered 2xx is returned: a write refused during a fault
 * is not "accepted".
 */
async function workload(user: User, label: string, n: number, remindAt: Date, onBatch?: (i: number) => void): Promise<Accepted[]> {
  const accepted: Accepted[] = [];
  for (let i = 0; i < n; i += 5) {
    onBatch?.(i);
    const batch = await Promise.all(
      Array.from({ length: Math.min(5, n - i) }, async (_, j) => {
        const k = i + j;
        const recurring = k % 4 === 1;
        const reminder = k % 2 === 0;
        const res = await attempt(user, 'POST', '/api/v1/tasks', {
          title: `${label} ${k}`,
          due_at: new Date(remindAt.getTime() + 3_600_000).toISOString(),
          ...(reminder ? { reminders: [{ at: remindAt.toISOString() }] } : {}),
          ...(recurring ? { recurrence: { rule: 'FREQ=DAILY', mode: 'due' } } : {}),
        });
        if (res?.status !== 201) return null;
        const task: Accepted = { id: res.json.id, series_id: res.json.series_id, reminder, completed: false };
        if (recurring) {
          const done = await attempt(user, 'POST', `/api/v1/tasks/${task.id}/complete`);
          task.completed = done?.status === 200;
        }
        return task;
      }),
    );
    accepted.push(...batch.filter((x): x is Accepted => x !== null));
  }
  return accepted;
}

/** The end-to-end recovery point: the api accepts a write again and the audit role records its event. */
async function untilRecovered(user: User, what: string, since: number): Promise<number> {
  await eventually(
    async () => {
      const probe = await attempt(user, 'POST', '/api/v1/tasks', { title: `probe after ${what}` });
      if (probe?.status !== 201) return false;
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline) {
        const h = await attempt(user, 'GET', `/api/v1/tasks/${probe.json.id}/history`);
        if (h?.status === 200 && h.json.items.length > 0) return true;
        await sleep(100);
      }
      return false;
    },
    240_000,
    `recovery after ${what}`,
  );
  const seconds = (performance.now() - since) / 1000;
  console.log(`[fault matrix] ${what}: recovered in ${seconds.toFixed(1)} s`);
  return seconds;
}

/** After recovery every kind of request answers below 500. */
async function noServerErrors(user: User, what: string) {
  const statuses: string[] = [];
  for (let i = 0; i < 5; i++) {
    const created = await user.call('POST', '/api/v1/tasks', { title: `after ${what} ${i}`, due_at: '2031-01-01T09:00:00Z' });
    statuses.push(`POST ${created.status}`);
    const id = created.json?.id;
    for (const [method, path, body] of [
      ['GET', '/api/v1/tasks?limit=5'],
      ['GET', `/api/v1/tasks/${id}`],
      ['PATCH', `/api/v1/tasks/${id}`, { priority: 'high' }],
      ['POST', `/api/v1/tasks/${id}/complete`],
      ['GET', `/api/v1/tasks/${id}/history`],
      ['GET', '/api/v1/notifications'],
      ['GET', '/api/v1/tags'],
    ] as Array<[string, string, unknown?]>) {
      statuses.push(`${method} ${path.split('?')[0]} ${(await user.call(method, path, body)).status}`);
    }
  }
  expect(statuses.filter((s) => Number(s.split(' ').pop()) >= 500)).toEqual([]);
}

const countBy = <T>(items: T[], key: (t: T) => string | number) => {
  const m = new Map<string | number, number>();
  for (const it of items) m.set(key(it), (m.get(key(it)) ?? 0) + 1);
  return m;
};

/**
 * Every accepted write's events handled exactly once: one `created` (and one `completed`)
 * in the task's history (audit), one notification per reminder (notifier) once it is due,
 * one next occurrence per completed recurring task (recurrence). Waits for the counts to be
 * reached, then a little longer for redeliveries, and checks they are exact.
 */
async function handledExactlyOnce(user: User, accepted: Accepted[], remindAt: Date) {
  expect(accepted.length).toBeGreaterThan(0);
  const histories = async () =>
    Promise.all(
      accepted.map(async (t) => {
        const items = (await user.call('GET', `/api/v1/tasks/${t.id}/history`)).json.items as { event_type: string }[];
        return { t, types: countBy(items, (i) => i.event_type) };
      }),
    );
  const notifications = async () =>
    countBy((await user.call('GET', '/api/v1/notifications?limit=200')).json.items as { task_id: number }[], (n) => n.task_id);
  const occurrences = async () => {
    const items: { series_id: string | null; occurrence: number }[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: typeof items; next_cursor: string | null } = (
        await user.call('GET', `/api/v1/tasks?recurring=true&limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
      ).json;
      items.push(...page.items);
      cursor = page.next_cursor;
    } while (cursor);
    return countBy(
      items.filter((i) => i.occurrence === 2),
      (i) => i.series_id ?? '',
    );
  };
  const reminders = accepted.filter((t) => t.reminder);
  const series = accepted.filter((t) => t.completed && t.series_id);
  const complete = async () => {
    const h = await histories();
    const n = await notifications();
    const o = await occurrences();
    return (
      h.every(({ t, types }) => (types.get('created') ?? 0) >= 1 && (types.get('completed') ?? 0) >= (t.completed ? 1 : 0)) &&
      (Date.now() < remindAt.getTime() || reminders.every((t) => (n.get(t.id) ?? 0) >= 1)) &&
      series.every((t) => (o.get(t.series_id!) ?? 0) >= 1)
    );
  };
  await eventually(complete, 180_000, `events of ${accepted.length} accepted writes`);
  if (Date.now() < remindAt.getTime()) await sleep(remindAt.getTime() - Date.now());
  await eventually(complete, 120_000, 'reminders fired');
  await sleep(3000); // redeliveries, if any, have arrived by now
  for (const { t, types } of await histories()) {
    expect(types.get('created') ?? 0, `task ${t.id} created`).toBe(1);
    expect(types.get('completed') ?? 0, `task ${t.id} completed`).toBe(t.completed ? 1 : 0);
  }
  const n = await notifications();
  for (const t of reminders) expect(n.get(t.id) ?? 0, `notifications of task ${t.id}`).toBe(1);
  const o = await occurrences();
  for (const t of series) expect(o.get(t.series_id!) ?? 0, `next occurrences of task ${t.id}`).toBe(1);
}

const recoveries: Record<string, number> = {};

describe('fault matrix', () => {
  it('kill -9 of the api mid-relay: what it accepted is published once after the restart', async () => {
    const user = await signUp('api-killed');
    const remindAt = new Date(Date.now() + 45_000);
    let since = 0;
    const accepted = await workload(user, 'Mid-relay', 60, remindAt, (i) => {
      // After 30 accepted writes, while the relay is still publishing them.
      if (i === 30) {
        since = performance.now();
        process.kill(pidOf('api'), 'SIGKILL');
      }
    });
    expect(accepted.length).toBeGreaterThanOrEqual(30);
    expect(accepted.length).toBeLessThan(60); // the writes after the kill were refused
    sh('stack.sh', 'up');
    recoveries['kill -9 api'] = await untilRecovered(user, 'kill -9 api (mid-relay)', since);
    await handledExactlyOnce(user, accepted, remindAt);
    await noServerErrors(user, 'api kill');
  }, 420_000);

  for (const role of ['audit', 'recurrence', 'notifier'] as const) {
    it(`kill -9 of ${role} while the api writes: nothing lost, nothing twice`, async () => {
      const user = await signUp(`${role}-killed`);
      const remindAt = new Date(Date.now() + 40_000);
      const before = await workload(user, `Before ${role} kill`, 20, remindAt);
      const since = performance.now();
      process.kill(pidOf(role), 'SIGKILL');
      const during = await workload(user, `While ${role} is down`, 20, remindAt);
      expect(during).toHaveLength(20); // the api accepts writes while a consumer is down
      sh('stack.sh', 'up');
      recoveries[`kill -9 ${role}`] = await untilRecovered(user, `kill -9 ${role}`, since);
      await handledExactlyOnce(user, [...before, ...during], remindAt);
      await noServerErrors(user, `${role} kill`);
    }, 420_000);
  }

  it('kill -9 of realtime: a client that reconnects with its last event id gets what it missed, once', async () => {
    const user = await signUp('realtime-killed');
    const first = connect(user);
    let second: ReturnType<typeof connect> | undefined;
    try {
      await first.opened;
      const createdIn = (messages: Msg[]) => messages.filter((m) => m.type === 'task.created').map((m) => m.task!.id);
      const early = await workload(user, 'Before realtime kill', 5, new Date(Date.now() + 3_600_000));
      await eventually(async () => createdIn(first.messages).length >= early.length, 30_000, 'early task.created');
      const lastId = [...first.messages].reverse().find((m) => m.id)!.id!;
      const since = performance.now();
      process.kill(pidOf('realtime'), 'SIGKILL');
      const missed = await workload(user, 'While realtime is down', 10, new Date(Date.now() + 3_600_000));
      expect(missed).toHaveLength(10);
      first.ws.terminate();
      sh('stack.sh', 'up');
      second = connect(user, lastId);
      await eventually(
        async () => {
          try {
            await second!.opened;
            return true;
          } catch {
            second!.ws.terminate();
            second = connect(user, lastId);
            return false;
          }
        },
        120_000,
        'realtime reconnect',
      );
      await eventually(async () => missed.every((t) => createdIn(second!.messages).includes(t.id)), 60_000, 'missed events replayed');
      const seconds = (performance.now() - since) / 1000;
      console.log(`[fault matrix] kill -9 realtime: recovered (missed events replayed) in ${seconds.toFixed(1)} s`);
      recoveries['kill -9 realtime'] = seconds;
      await sleep(2000);
      const counts = countBy(createdIn(second!.messages), (id) => id);
      for (const t of missed) expect(counts.get(t.id), `task ${t.id} replayed`).toBe(1);
      for (const t of early) expect(counts.get(t.id) ?? 0, `task ${t.id} seen before the kill`).toBe(0);
    } finally {
      first.ws.terminate();
      second?.ws.terminate();
    }
    await noServerErrors(user, 'realtime kill');
  }, 300_000);

  it("kill -9 of the api's sidecar during writes: the outbox holds the events until it is back", async () => {
    const user = await signUp('sidecar-killed');
    const remindAt = new Date(Date.now() + 45_000);
    const before = await workload(user, 'Before sidecar kill', 20, remindAt);
    const since = performance.now();
    process.kill(pidOf('api-daprd'), 'SIGKILL');
    const during = await workload(user, 'While the sidecar is down', 20, remindAt);
    sh('stack.sh', 'up');
    recoveries['kill -9 api sidecar'] = await untilRecovered(user, 'kill -9 api-daprd', since);
    await handledExactlyOnce(user, [...before, ...during], remindAt);
    await noServerErrors(user, 'sidecar kill');
  }, 420_000);

  it('PostgreSQL restarted during writes: accepted writes keep their events, the api answers again', async () => {
    const user = await signUp('postgres-restarted');
    const remindAt = new Date(Date.now() + 50_000);
    let stop = false;
    const accepted: Accepted[] = [];
    const writer = (async () => {
      for (let i = 0; !stop && i < 150; i += 5) accepted.push(...(await workload(user, `Writer ${i}`, 5, remindAt)));
    })();
    await sleep(1500);
    const since = performance.now();
    sh('postgres.sh', 'stop');
    await sleep(2000);
    sh('postgres.sh', 'start');
    recoveries['restart postgres'] = await untilRecovered(user, 'PostgreSQL restart', since);
    await sleep(1000);
    stop = true;
    await writer;
    await handledExactlyOnce(user, accepted, remindAt);
    await noServerErrors(user, 'PostgreSQL restart');
  }, 420_000);

  it('Dapr scheduler restarted with reminder jobs pending: every reminder fires once', async () => {
    const user = await signUp('scheduler-restarted');
    const remindAt = new Date(Date.now() + 30_000);
    const accepted = await workload(user, 'Pending reminder', 30, remindAt);
    // The jobs are in the scheduler before it goes: the relay has handled every write.
    await eventually(
      async () =>
        (await Promise.all(accepted.map(async (t) => (await user.call('GET', `/api/v1/tasks/${t.id}/history`)).json.items.length))).every(
          (n) => n > 0,
        ),
      60_000,
      'writes relayed',
    );
    const since = performance.now();
    process.kill(pidOf('scheduler'), 'SIGKILL');
    await sleep(2000);
    sh('dapr-control-plane.sh', 'start');
    recoveries['restart scheduler'] = await untilRecovered(user, 'Dapr scheduler restart', since);
    expect(Date.now()).toBeLessThan(remindAt.getTime()); // the reminders were still pending
    await handledExactlyOnce(user, accepted, remindAt);
    await noServerErrors(user, 'scheduler restart');
    console.log(
      `[fault matrix] recovery times (s): ${JSON.stringify(Object.fromEntries(Object.entries(recoveries).map(([k, v]) => [k, +v.toFixed(1)])))}`,
    );
  }, 300_000);
});
