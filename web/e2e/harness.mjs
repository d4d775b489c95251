// Starts the backend (embedded mode, temp data dir), the built web app and Chromium
// for the browser suite. KAIROS_E2E_BACKEND=mock uses e2e/mock-backend.mjs instead
// of the real backend; KAIROS_E2E_API_URL / KAIROS_E2E_WEB_URL reuse running servers
// (the system tests run this suite against the distributed stack that way);
// KAIROS_E2E_SHOTS_DIR puts the screenshots elsewhere than docs/screenshots.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const webDir = join(import.meta.dirname, '..');
export const repoDir = join(webDir, '..');
export const shotsDir = process.env.KAIROS_E2E_SHOTS_DIR || join(repoDir, 'docs', 'screenshots');

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function waitFor(url, ms, proc, name) {
  const until = Date.now() + ms;
  let last;
  while (Date.now() < until) {
    if (proc && proc.exitCode !== null) throw new Error(`${name} exited with ${proc.exitCode}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (e) {
      last = e.message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${name} not ready at ${url} after ${ms} ms (${last})`);
}

function start(name, cmd, args, env, cwd) {
  const proc = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = [];
  const keep = (d) => {
    log.push(String(d));
    if (log.length > 200) log.shift();
    if (process.env.KAIROS_E2E_VERBOSE) process.stderr.write(`[${name}] ${d}`);
  };
  proc.stdout.on('data', keep);
  proc.stderr.on('data', keep);
  proc.log = log;
  return proc;
}

function ensureBuilt() {
  if (!process.env.KAIROS_E2E_BACKEND && !existsSync(join(repoDir, 'backend', 'dist', 'main.js'))) {
    const r = spawnSync('npm', ['run', 'build', '-w', 'backend'], { cwd: repoDir, stdio: 'inherit' });
    if (r.status !== 0) throw new Error('backend build failed');
  }
  if (!existsSync(join(webDir, '.next', 'BUILD_ID'))) {
    const r = spawnSync('npx', ['next', 'build'], { cwd: webDir, stdio: 'inherit' });
    if (r.status !== 0) throw new Error('web build failed');
  }
}

/** `backendEnv`: extra settings for the backend (e.g. the assistant's model endpoint). */
export async function startStack({ backendEnv = {} } = {}) {
  ensureBuilt();
  mkdirSync(shotsDir, { recursive: true });
  const procs = [];
  const dataDir = mkdtempSync(join(tmpdir(), 'kairos-e2e-'));
  let apiUrl = process.env.KAIROS_E2E_API_URL;
  let webUrl = process.env.KAIROS_E2E_WEB_URL;
  const webPort = webUrl ? Number(new URL(webUrl).port) : await freePort();
  if (!apiUrl && !webUrl) {
    const apiPort = await freePort();
    apiUrl = `http://127.0.0.1:${apiPort}`;
    const origin = `http://127.0.0.1:${webPort}`;
    const env = {
      PORT: String(apiPort),
      HOST: '127.0.0.1',
      KAIROS_DATA_DIR: dataDir,
      KAIROS_PUBLIC_URL: origin,
      KAIROS_TRUSTED_ORIGINS: `${origin},http://localhost:${webPort}`,
      BETTER_AUTH_SECRET: 'e2e-secret-e2e-secret-e2e-secret-0123456789',
      KAIROS_AUTH_RATE_LIMIT: '0',
      LOG_LEVEL: 'warn',
      ...backendEnv,
    };
    const backend =
      process.env.KAIROS_E2E_BACKEND === 'mock'
        ? start('backend', process.execPath, [join(webDir, 'e2e', 'mock-backend.mjs')], env, repoDir)
        : start('backend', process.execPath, [join(repoDir, 'backend', 'dist', 'main.js'), '--role', 'all'], env, repoDir);
    procs.push(backend);
    try {
      await waitFor(`${apiUrl}/healthz`, 60_000, backend, 'backend');
    } catch (e) {
      throw new Error(`${e.message}\n${backend.log.join('')}`);
    }
  }
  if (!webUrl) {
    webUrl = `http://127.0.0.1:${webPort}`;
    const web = start(
      'web',
      process.execPath,
      [join(webDir, 'server.mjs')],
      { PORT: String(webPort), HOST: '127.0.0.1', KAIROS_API_URL: apiUrl },
      webDir,
    );
    procs.push(web);
    try {
      await waitFor(`${webUrl}/sign-in`, 60_000, web, 'web');
    } catch (e) {
      throw new Error(`${e.message}\n${web.log.join('')}`);
    }
  }
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  return {
    webUrl,
    apiUrl,
    browser,
    async stop() {
      await browser.close().catch(() => {});
      for (const p of procs.reverse()) {
        p.kill('SIGTERM');
        await new Promise((r) => {
          if (p.exitCode !== null) return r();
          const t = setTimeout(() => (p.kill('SIGKILL'), r()), 5000);
          p.on('exit', () => (clearTimeout(t), r()));
        });
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
    logs: () => procs.map((p) => p.log.join('')).join('\n'),
  };
}

/** Records every `new Notification(...)` the page makes (permission is granted by the context). */
export const NOTIFICATION_HOOK = `(() => {
  window.__notifications = [];
  const Real = window.Notification;
  if (!Real) return;
  class Hooked extends Real {
    constructor(title, options) {
      super(title, options);
      window.__notifications.push({ title, body: options && options.body, at: Date.now() });
    }
  }
  Object.defineProperty(Hooked, 'permission', { get: () => Real.permission });
  Hooked.requestPermission = (...a) => Real.requestPermission(...a);
  window.Notification = Hooked;
})();`;
