// Reminder jobs on the Dapr platform: the job goes on the schedule and its instant gets one
// Dapr job as an alarm; the sidecar's callback for an alarm fires what is due by its
// instant; a job of the earlier one-Dapr-job-per-reminder scheme is adopted onto the
// schedule and fired from there; anything else is acknowledged and dropped.
import Fastify from 'fastify';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { jobRoutes } from '../../src/adapters/dapr/inbound.js';
import { alarmInstant, alarmName, createDaprJobScheduler } from '../../src/adapters/dapr/jobs.js';
import type { DaprSidecar } from '../../src/adapters/dapr/sidecar.js';
import type { ScheduledJobStore } from '../../src/adapters/postgres/scheduled-jobs.js';

function fakes() {
  const requests: { method: string; path: string; body: unknown }[] = [];
  const dapr = {
    async request(method: string, path: string, o: { body?: unknown } = {}) {
      requests.push({ method, path, body: o.body });
      return new Response(null, { status: 204 });
    },
  } as unknown as DaprSidecar;
  const rows = new Map<string, { at: Date; payload: unknown }>();
  const store: ScheduledJobStore = {
    put: async (name, at, payload) => void rows.set(name, { at, payload }),
    remove: async (name) => void rows.delete(name),
    earliest: async () => null,
  };
  return { dapr, requests, rows, store };
}

const payload = (remind_at: string) => ({ user_id: 'ann', task_id: 7, remind_at });

describe('Dapr job scheduler', () => {
  it('puts each job on the schedule and sets one alarm per due instant', async () => {
    const { dapr, requests, rows, store } = fakes();
    const scheduler = createDaprJobScheduler(dapr, store);
    const at = new Date(Date.now() + 3_600_000);
    for (let i = 0; i < 50; i++) await scheduler.schedule(`reminder-${i}-abc`, at, payload(at.toISOString()));
    const other = new Date(at.getTime() + 60_000);
    await scheduler.schedule('reminder-99-abc', other, payload(other.toISOString()));

    expect(rows.size).toBe(51);
    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `POST /v1.0-alpha1/jobs/reminders-due-${at.getTime()}`,
      `POST /v1.0-alpha1/jobs/reminders-due-${other.getTime()}`,
    ]);
    expect(requests[0]!.body).toMatchObject({ dueTime: at.toISOString(), overwrite: true });
  });

  it('sets an alarm again when its instant is close or past (it may have gone off already)', async () => {
    const { dapr, requests, store } = fakes();
    const scheduler = createDaprJobScheduler(dapr, store);
    const soon = new Date(Date.now() + 2_000);
    await scheduler.schedule('reminder-1-abc', soon, payload(soon.toISOString()));
    await scheduler.schedule('reminder-2-abc', soon, payload(soon.toISOString()));
    expect(requests).toHaveLength(2);
  });

  it('cancels a job by taking it off the schedule; the instant keeps its alarm (other jobs may share it)', async () => {
    const { dapr, requests, rows, store } = fakes();
    const scheduler = createDaprJobScheduler(dapr, store);
    const at = new Date(Date.now() + 3_600_000);
    await scheduler.schedule('reminder-1-abc', at, payload(at.toISOString()));
    await scheduler.cancel('reminder-1-abc');
    expect(rows.size).toBe(0);
    expect(requests.filter((r) => r.method === 'DELETE')).toHaveLength(0);
  });

  it('names alarms after their instant, and reads the instant back from the name only for alarms', () => {
    const at = new Date('2026-12-24T09:00:00.250Z');
    expect(alarmInstant(alarmName(at))).toEqual(at);
    expect(alarmInstant('reminder-7-0123456789ab')).toBeNull();
    expect(alarmInstant('reminders-due-soon')).toBeNull();
  });
});

describe('Dapr job callback route', () => {
  async function app() {
    const due: Date[] = [];
    const adopted: string[] = [];
    let failing = false;
    const server = Fastify();
    await server.register(jobRoutes, {
      onDue: async (upTo: Date) => {
        if (failing) throw new Error('database unavailable');
        due.push(upTo);
      },
      adopt: async (name: string) => void adopted.push(name),
      logger: pino({ level: 'silent' }),
    });
    return { server, due, adopted, fail: () => (failing = true) };
  }

  it('an alarm fires what is due by its instant', async () => {
    const { server, due, adopted } = await app();
    const at = new Date('2026-12-24T09:00:00Z');
    const res = await server.inject({ method: 'POST', url: `/job/${alarmName(at)}`, payload: { due_at: at.toISOString() } });
    expect(res.statusCode).toBe(200);
    expect(due).toEqual([at]);
    expect(adopted).toEqual([]);
  });

  it('a job of the one-job-per-reminder scheme is adopted onto the schedule, then fired by its time', async () => {
    const { server, due, adopted } = await app();
    const res = await server.inject({ method: 'POST', url: '/job/reminder-7-0123456789ab', payload: payload('2026-12-24T08:30:00.000Z') });
    expect(res.statusCode).toBe(200);
    expect(adopted).toEqual(['reminder-7-0123456789ab']);
    expect(due).toEqual([new Date('2026-12-24T08:30:00.000Z')]);
  });

  it('a job it cannot run is acknowledged and dropped (a retry could never succeed)', async () => {
    const { server, due, adopted } = await app();
    const res = await server.inject({ method: 'POST', url: '/job/something-else', payload: { hello: 1 } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'DROPPED' });
    expect(due).toEqual([]);
    expect(adopted).toEqual([]);
  });

  it('a failure to fire answers 500, so the scheduler retries the alarm', async () => {
    const { server, fail } = await app();
    fail();
    const res = await server.inject({ method: 'POST', url: `/job/${alarmName(new Date())}`, payload: {} });
    expect(res.statusCode).toBe(500);
  });
});
