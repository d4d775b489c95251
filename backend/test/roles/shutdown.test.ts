/**
 * The process's own shutdown (src/main.ts), the way Kubernetes stops a pod: on SIGTERM
 * the server keeps answering — every response closing its connection — until clients
 * have left, then exits 0. Run as a real child process, because what libraries do with
 * the process's signals only shows there: the agents SDK's tracing exits the process on
 * SIGTERM when it finds no other listener, which once cut every drain short.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const BACKEND = join(import.meta.dirname, '../..');
const DRAIN_MS = 6000;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** GET /healthz on a new connection: its status and Connection header, or the error's code. */
function probe(port: number): Promise<{ status?: number; connection?: string; error?: string }> {
  return new Promise((resolve) => {
    get({ host: '127.0.0.1', port, path: '/healthz', agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, connection: res.headers.connection }));
    }).on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const dataDir = mkdtempSync(join(tmpdir(), 'kairos-shutdown-'));
let child: ChildProcess | undefined;
afterAll(() => {
  if (child?.exitCode === null) child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('SIGTERM', () => {
  it('drains: new connections are still answered (Connection: close) until clients leave, then the process exits 0', async () => {
    const port = await freePort();
    child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', '--role', 'all'], {
      cwd: BACKEND,
      env: {
        ...process.env,
        NODE_ENV: 'production',
        HOST: '127.0.0.1',
        PORT: String(port),
        KAIROS_DATA_DIR: dataDir,
        KAIROS_HTTP_DRAIN_MS: String(DRAIN_MS),
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));

    const deadline = Date.now() + 90_000;
    while ((await probe(port)).status !== 200) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the server did not start: ${stderr}`);
      await sleep(200);
    }

    child.kill('SIGTERM');
    const during = [];
    for (let i = 0; i < 10; i++) {
      await sleep(200);
      during.push(await probe(port));
    }
    // a Service may still route new connections to a stopping pod for a while: all served
    expect(during).toEqual(Array(10).fill({ status: 200, connection: 'close' }));

    const started = Date.now();
    expect(await exited, stderr).toBe(0);
    // soon after the last connection: the quiet period, then the teardown
    expect(Date.now() - started).toBeLessThan(DRAIN_MS + 5000);
  }, 150_000);
});
