#!/usr/bin/env node
// `npm start`: the embedded product on a bare machine — the backend (role `all`, PGlite
// in ./.data) on 127.0.0.1:4000 and the web app on http://localhost:3000, which proxies
// /api, /docs and /ws to it. Builds whatever is missing or older than its sources first.
// Ctrl-C (or SIGTERM) stops both gracefully.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const WEB_PORT = Number(process.env.WEB_PORT ?? 3000);
const API_PORT = Number(process.env.PORT ?? 4000);
// this machine only, unless asked: HOST=0.0.0.0 npm start serves the network
const HOST = process.env.HOST ?? '127.0.0.1';

function newest(dir) {
  let t = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const p = join(dir, entry.name);
    t = Math.max(t, entry.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

function buildIfStale(name, output, sources, workspace) {
  const built = existsSync(output) ? statSync(output).mtimeMs : 0;
  if (built >= Math.max(...sources.filter(existsSync).map((s) => (statSync(s).isDirectory() ? newest(s) : statSync(s).mtimeMs)))) return;
  console.log(`kairos: building the ${name} (first start or sources changed) …`);
  const r = spawnSync('npm', ['run', 'build', '-w', workspace], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

buildIfStale('backend', 'backend/dist/main.js', ['backend/src', 'backend/drizzle'], 'backend');
buildIfStale('web app', 'web/.next/BUILD_ID', ['web/app', 'web/components', 'web/lib', 'web/next.config.ts', 'web/package.json'], 'web');

const children = [];
function run(name, cmd, args, env) {
  const child = spawn(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`kairos: ${name} exited (${signal ?? code}); stopping`);
      stop(code ?? 1);
    }
  });
  children.push(child);
}

let stopping = false;
function stop(code = 0) {
  stopping = true;
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : null))).then(() => process.exit(code));
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

run('backend', process.execPath, ['backend/dist/main.js', '--role', 'all'], {
  PORT: String(API_PORT),
  HOST,
  KAIROS_PUBLIC_URL: process.env.KAIROS_PUBLIC_URL ?? `http://localhost:${WEB_PORT}`,
});
run('web', process.execPath, ['web/server.mjs'], {
  PORT: String(WEB_PORT),
  HOST,
  KAIROS_API_URL: `http://127.0.0.1:${API_PORT}`,
  NODE_ENV: 'production',
});

// Announce the address only once both halves answer (the first start creates the database).
async function answers(url) {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(2000) })).ok;
  } catch {
    return false;
  }
}
for (const started = Date.now(); !stopping; await new Promise((r) => setTimeout(r, 250))) {
  if ((await answers(`http://127.0.0.1:${API_PORT}/readyz`)) && (await answers(`http://127.0.0.1:${WEB_PORT}/sign-in`))) {
    console.log(`\n  Kairos is running: http://localhost:${WEB_PORT}   (API docs: http://localhost:${WEB_PORT}/docs)\n`);
    break;
  }
  if (Date.now() - started > 120_000) {
    console.error('kairos: not ready after 120 s; see the messages above');
    break;
  }
}
