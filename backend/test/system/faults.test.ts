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
import { connect, eventually, signUp, type Msg } from './client.js';
import { countBy, handledExactlyOnce, noServerErrors, sleep, steadyWriter, untilRecovered, untilRelayed, workload } from './delivery.js';

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
    const writer = steadyWriter(user, remindAt);
    await sleep(1500);
    const since = performance.now();
    sh('postgres.sh', 'stop');
    await sleep(2000);
    sh('postgres.sh', 'start');
    recoveries['restart postgres'] = await untilRecovered(user, 'PostgreSQL restart', since);
    await sleep(1000);
    const accepted = await writer.stop();
    await handledExactlyOnce(user, accepted, remindAt);
    await noServerErrors(user, 'PostgreSQL restart');
  }, 420_000);

  it('Dapr scheduler restarted with reminder jobs pending: every reminder fires once', async () => {
    const user = await signUp('scheduler-restarted');
    const remindAt = new Date(Date.now() + 30_000);
    const accepted = await workload(user, 'Pending reminder', 30, remindAt);
    // The jobs are in the scheduler before it goes: the relay has handled every write.
    await untilRelayed(user, accepted, 'writes relayed');
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
