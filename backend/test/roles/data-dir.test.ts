/**
 * One process per embedded data folder, between real processes (src/main.ts): a second
 * `kairos` started on a folder that a running one holds says so, waits, then stops with a
 * message naming the folder, and the running one keeps its data; a killed one frees the folder once its
 * lock goes stale; a clean stop frees it at once. Without the lock the second process
 * opened the folder too, and each overwrote what the other wrote. And a start that cannot
 * open its port says so and leaves the folder free.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { STALE_MS } from '../../src/adapters/postgres/data-dir-lock.js';

const BACKEND = join(import.meta.dirname, '../..');
const dataDir = mkdtempSync(join(tmpdir(), 'kairos-data-dir-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Kairos {
  child: ChildProcess;
  url: string;
  exited: Promise<number | null>;
  output: () => string;
}

function start(env: Record<string, string> = {}, port = 0): Kairos {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', '--role', 'all'], {
    cwd: BACKEND,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      KAIROS_DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = ''; // log lines (stdout) and errors (stderr)
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, url: `http://127.0.0.1:${port}`, exited, output: () => output };
}

async function ready(k: Kairos, ms = 90_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (k.child.exitCode !== null) throw new Error(`kairos exited with ${k.child.exitCode}: ${k.output()}`);
    if (Date.now() > deadline) throw new Error(`kairos was not ready in ${ms} ms: ${k.output()}`);
    const ok = await fetch(`${k.url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await sleep(200);
  }
}

async function signUpAndAdd(url: string, title: string): Promise<string> {
  const res = await fetch(`${url}/api/auth/sign-up/email`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: `lock-${Date.now()}@example.com`, password: 'correct-horse-battery', name: 'Lock' }),
  });
  expect(res.status).toBe(200);
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const { token } = (await (await fetch(`${url}/api/auth/token`, { headers: { cookie } })).json()) as { token: string };
  const created = await fetch(`${url}/api/v1/tasks`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ title }),
  });
  expect(created.status).toBe(201);
  return token;
}

async function titles(url: string, token: string): Promise<string[]> {
  const res = await fetch(`${url}/api/v1/tasks`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { items: Array<{ title: string }> }).items.map((t) => t.title);
}

describe('the embedded data folder', () => {
  it('a second kairos on a folder in use says so, waits, then stops naming the folder; a killed one frees it once its lock goes stale, a stopped one at once', async () => {
    const first = start({}, await freePort());
    await ready(first);
    const token = await signUpAndAdd(first.url, 'Written by the first process');

    // a second server on the same folder (another port): it must not open the folder
    const second = start({ KAIROS_DATA_DIR_WAIT_MS: '1000' }, await freePort());
    expect(await second.exited).toBe(1);
    expect(second.output()).toContain('the data folder is in use by another process; waiting for it');
    expect(second.output()).toContain(`kairos: the data folder ${dataDir} is in use by another Kairos process`);
    expect(await titles(first.url, token)).toEqual(['Written by the first process']);

    // killed outright: its lock stays behind until it is stale, then the next start takes over
    first.child.kill('SIGKILL');
    await first.exited;
    const killedAt = Date.now();
    const third = start({}, await freePort());
    await ready(third);
    const tookOverAfter = Date.now() - killedAt;
    expect(tookOverAfter).toBeLessThan(STALE_MS + 30_000);
    expect(await titles(third.url, token)).toEqual(['Written by the first process']);

    // a clean stop removes the lock
    third.child.kill('SIGTERM');
    expect(await third.exited, third.output()).toBe(0);
    expect(existsSync(join(dataDir, 'kairos.lock'))).toBe(false);
  }, 180_000);

  it('a port in use: kairos says which and what to do, and frees the data folder, without a stack trace', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as AddressInfo;
    try {
      const k = start({}, port);
      expect(await k.exited).toBe(2);
      expect(k.output()).toContain(
        `kairos: cannot listen on 127.0.0.1:${port}: the port is in use (another Kairos, or another program). Set PORT to a free port.`,
      );
      expect(k.output()).not.toContain('    at ');
      expect(existsSync(join(dataDir, 'kairos.lock'))).toBe(false);
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  }, 120_000);
});
