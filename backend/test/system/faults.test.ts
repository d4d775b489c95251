/**
 * Faults on the real stack: a consumer killed mid-stream, and the broker restarted
 * while the api writes. Nothing may be lost, nothing delivered twice.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { eventually, signUp } from './client.js';

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
