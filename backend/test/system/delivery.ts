/**
 * What "nothing lost, nothing twice" means, checked through the public API: a workload
 * of writes whose events every consumer must handle, the recovery point after a fault,
 * and the exactly-once check. Shared by the fault matrix on the local stack and the
 * failover tests on the cluster.
 */
import { expect } from 'vitest';
import { eventually, type User } from './client.js';

/** A write the api accepted (answered 2xx), with the events it must cause. */
export interface Accepted {
  id: number;
  series_id: string | null;
  reminder: boolean;
  completed: boolean;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A request that may meet a dead process: a refused connection is `undefined`, not a throw. */
export async function attempt(user: User, method: string, path: string, body?: unknown) {
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
export async function workload(
  user: User,
  label: string,
  n: number,
  remindAt: Date,
  onBatch?: (i: number) => void | Promise<void>,
): Promise<Accepted[]> {
  const accepted: Accepted[] = [];
  for (let i = 0; i < n; i += 5) {
    await onBatch?.(i);
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

/** Writes in batches of 5 (at most 150) until `stop()`, which returns what the api accepted. */
export function steadyWriter(user: User, remindAt: Date) {
  let stopped = false;
  const accepted: Accepted[] = [];
  const done = (async () => {
    for (let i = 0; !stopped && i < 150; i += 5) accepted.push(...(await workload(user, `Writer ${i}`, 5, remindAt)));
  })();
  return {
    async stop(): Promise<Accepted[]> {
      stopped = true;
      await done;
      return accepted;
    },
  };
}

/** Until the relay has handled every accepted write (its audit entry exists). */
export async function untilRelayed(user: User, accepted: Accepted[], what = 'writes relayed') {
  await eventually(
    async () =>
      (await Promise.all(accepted.map(async (t) => (await user.call('GET', `/api/v1/tasks/${t.id}/history`)).json.items.length))).every(
        (n) => n > 0,
      ),
    60_000,
    what,
  );
}

/** The end-to-end recovery point: the api accepts a write again and the audit role records its event. */
export async function untilRecovered(user: User, what: string, since: number): Promise<number> {
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
  console.log(`[recovery] ${what}: recovered in ${seconds.toFixed(1)} s`);
  return seconds;
}

/** After recovery every kind of request answers below 500. */
export async function noServerErrors(user: User, what: string) {
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

export const countBy = <T>(items: T[], key: (t: T) => string | number) => {
  const m = new Map<string | number, number>();
  for (const it of items) m.set(key(it), (m.get(key(it)) ?? 0) + 1);
  return m;
};

/**
 * A read the checks make: an idempotent GET, retried on a connection error (a replica an
 * autoscaler removes right after a test's load may reset a connection). The writes under
 * test are never retried; their failures are what the tests count.
 */
async function read(user: User, path: string) {
  for (let i = 0; ; i++) {
    try {
      return await user.call('GET', path);
    } catch (err) {
      if (i >= 4) throw err;
      await sleep(500);
    }
  }
}

/**
 * Every accepted write's events handled exactly once: one `created` (and one `completed`)
 * in the task's history (audit), one notification per reminder (notifier) once it is due,
 * one next occurrence per completed recurring task (recurrence). Waits for the counts to be
 * reached, then a little longer for redeliveries, and checks they are exact.
 */
export async function handledExactlyOnce(user: User, accepted: Accepted[], remindAt: Date) {
  expect(accepted.length).toBeGreaterThan(0);
  const histories = async () =>
    Promise.all(
      accepted.map(async (t) => {
        const items = (await read(user, `/api/v1/tasks/${t.id}/history`)).json.items as { event_type: string }[];
        return { t, types: countBy(items, (i) => i.event_type) };
      }),
    );
  const notifications = async () =>
    countBy((await read(user, '/api/v1/notifications?limit=200')).json.items as { task_id: number }[], (n) => n.task_id);
  const occurrences = async () => {
    const items: { series_id: string | null; occurrence: number }[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: typeof items; next_cursor: string | null } = (
        await read(user, `/api/v1/tasks?recurring=true&limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
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
