import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestApp, usingPostgres, type TestApp, type TestUser } from './harness.js';

let t: TestApp;
let u: TestUser;
beforeAll(async () => {
  t = await startTestApp();
  u = await t.signUp('reminded');
});
afterAll(() => t.stop());

const notifications = async (app: TestApp, user: TestUser) => (await app.as(user, { method: 'GET', url: '/api/v1/notifications' })).json();

describe('reminders (embedded scheduler)', () => {
  it('fires at the reminder time, not before, as an in-app notification', async () => {
    const at = new Date(Date.now() + 1500);
    const task = (
      await t.as(u, {
        method: 'POST',
        url: '/api/v1/tasks',
        payload: { title: 'Soon', due_at: new Date(at.getTime() + 60_000).toISOString(), reminders: [{ at: at.toISOString() }] },
      })
    ).json();
    expect((await notifications(t, u)).items.filter((n: { task_id: number }) => n.task_id === task.id)).toEqual([]);
    const n = await eventually(async () => (await notifications(t, u)).items.find((x: { task_id: number }) => x.task_id === task.id), 6000);
    expect(Date.parse(n.created_at)).toBeGreaterThanOrEqual(at.getTime());
    expect(n).toMatchObject({ title: 'Soon', remind_at: at.toISOString(), read_at: null });
    expect((await notifications(t, u)).unread_count).toBeGreaterThanOrEqual(1);
    expect((await t.as(u, { method: 'POST', url: `/api/v1/notifications/${n.id}/read` })).statusCode).toBe(204);
    expect((await notifications(t, u)).items.find((x: { id: number }) => x.id === n.id).read_at).not.toBeNull();
  });

  it('moving the task moves the reminder; deleting the task cancels it', async () => {
    const soon = Date.now() + 1200;
    const moved = (
      await t.as(u, {
        method: 'POST',
        url: '/api/v1/tasks',
        payload: { title: 'Moved away', due_at: new Date(soon + 5 * 60_000).toISOString(), reminders: [{ minutes_before: 5 }] },
      })
    ).json();
    const deleted = (
      await t.as(u, {
        method: 'POST',
        url: '/api/v1/tasks',
        payload: { title: 'Deleted', due_at: new Date(soon).toISOString(), reminders: [{ minutes_before: 0 }] },
      })
    ).json();
    await t.as(u, {
      method: 'PATCH',
      url: `/api/v1/tasks/${moved.id}`,
      payload: { due_at: new Date(Date.now() + 3_600_000).toISOString() },
    });
    await t.as(u, { method: 'DELETE', url: `/api/v1/tasks/${deleted.id}` });
    // a control reminder due after both would have fired proves the scheduler ran past them
    const control = (
      await t.as(u, {
        method: 'POST',
        url: '/api/v1/tasks',
        payload: { title: 'Control', due_at: new Date(soon + 800).toISOString(), reminders: [{ minutes_before: 0 }] },
      })
    ).json();
    await eventually(async () => (await notifications(t, u)).items.some((x: { task_id: number }) => x.task_id === control.id), 6000);
    const ids = (await notifications(t, u)).items.map((x: { task_id: number }) => x.task_id);
    expect(ids).not.toContain(moved.id);
    expect(ids).not.toContain(deleted.id);
  });

  it('completing the task before its reminder cancels it', async () => {
    const task = (
      await t.as(u, {
        method: 'POST',
        url: '/api/v1/tasks',
        payload: { title: 'Done early', due_at: new Date(Date.now() + 1000).toISOString(), reminders: [{ minutes_before: 0 }] },
      })
    ).json();
    await t.as(u, { method: 'POST', url: `/api/v1/tasks/${task.id}/complete` });
    const control = (
      await t.as(u, {
        method: 'POST',
        url: '/api/v1/tasks',
        payload: { title: 'Control 2', due_at: new Date(Date.now() + 1500).toISOString(), reminders: [{ minutes_before: 0 }] },
      })
    ).json();
    await eventually(async () => (await notifications(t, u)).items.some((x: { task_id: number }) => x.task_id === control.id), 6000);
    expect((await notifications(t, u)).items.some((x: { task_id: number }) => x.task_id === task.id)).toBe(false);
  });
});

describe('reminders survive a restart', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kairos-restart-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a reminder that came due while the process was down fires once after start', async () => {
    // PGlite needs a data folder to outlive the process; PostgreSQL keeps state by itself.
    const env: Record<string, string> = usingPostgres ? {} : { KAIROS_DATA_DIR: dir };
    const first = await startTestApp(env);
    const user = await first.signUp('restarter');
    const at = new Date(Date.now() + 1500);
    const task = (
      await first.as(user, {
        method: 'POST',
        url: '/api/v1/tasks',
        payload: { title: 'While down', due_at: at.toISOString(), reminders: [{ minutes_before: 0 }] },
      })
    ).json();
    await first.stop();
    await new Promise((r) => setTimeout(r, 2000)); // the reminder comes due while nothing runs

    const second = await startTestApp(env);
    try {
      const found = await eventually(
        async () =>
          (await notifications(second, user)).items.filter((x: { task_id: number }) => x.task_id === task.id).length > 0 &&
          (await notifications(second, user)).items,
        6000,
      );
      await new Promise((r) => setTimeout(r, 500));
      expect((await notifications(second, user)).items.filter((x: { task_id: number }) => x.task_id === task.id)).toHaveLength(1);
      expect(found.length).toBeGreaterThanOrEqual(1);
    } finally {
      await second.stop();
    }
  });
});
