// Security headers of the web app as `npm start` serves it (server.mjs + the built Next
// app): a nonce CSP without 'unsafe-inline' scripts whose nonce every inline and loaded
// script carries, frame-ancestors 'none', Referrer-Policy and friends, HSTS only behind TLS.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

const webDir = join(import.meta.dirname, '..');
let proc;
let base;

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

before(async () => {
  if (!existsSync(join(webDir, '.next', 'BUILD_ID'))) {
    const r = spawnSync('npx', ['next', 'build'], { cwd: webDir, stdio: 'inherit' });
    assert.equal(r.status, 0, 'next build failed');
  }
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  // No API behind it: the pages checked here render without one.
  proc = spawn(process.execPath, ['server.mjs'], {
    cwd: webDir,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', KAIROS_API_URL: 'http://127.0.0.1:9', NODE_ENV: 'production' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; i < 240; i++) {
    try {
      if ((await fetch(`${base}/sign-in`)).ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('the web server did not start');
});
after(() => proc?.kill('SIGTERM'));

function directives(csp) {
  return Object.fromEntries(
    csp.split(';').map((d) => {
      const [name, ...values] = d.trim().split(/\s+/);
      return [name, values];
    }),
  );
}

describe('security headers', () => {
  it('a page has a nonce CSP without unsafe-inline scripts, and every script carries the nonce', async () => {
    for (const path of ['/sign-in', '/sign-up', '/']) {
      const res = await fetch(`${base}${path}`, { redirect: 'manual' });
      const csp = res.headers.get('content-security-policy');
      assert.ok(csp, `${path}: no CSP`);
      const d = directives(csp);
      const nonce = d['script-src'].find((v) => v.startsWith("'nonce-"))?.slice(7, -1);
      assert.ok(nonce && nonce.length >= 16, `${path}: no nonce in ${csp}`);
      assert.ok(!d['script-src'].includes("'unsafe-inline'"), `${path}: unsafe-inline scripts`);
      assert.ok(!d['script-src'].includes("'unsafe-eval'"), `${path}: unsafe-eval`);
      assert.deepEqual(d['frame-ancestors'], ["'none'"]);
      assert.deepEqual(d['object-src'], ["'none'"]);
      assert.deepEqual(d['base-uri'], ["'self'"]);
      assert.equal(res.headers.get('referrer-policy'), 'strict-origin-when-cross-origin');
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(res.headers.get('x-frame-options'), 'DENY');
      assert.equal(res.headers.get('strict-transport-security'), null, 'no HSTS over plain http');
      if (res.status !== 200) continue;
      const html = await res.text();
      const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
      assert.ok(scripts.length > 0, `${path}: no scripts`);
      for (const tag of scripts) assert.ok(tag.includes(`nonce="${nonce}"`), `${path}: script without the nonce: ${tag}`);
    }
  });

  it('the nonce is fresh for every request', async () => {
    const nonceOf = async () => /'nonce-([^']+)'/.exec((await fetch(`${base}/sign-in`)).headers.get('content-security-policy'))[1];
    assert.notEqual(await nonceOf(), await nonceOf());
  });

  it('behind TLS (X-Forwarded-Proto: https): HSTS and upgrade-insecure-requests', async () => {
    const res = await fetch(`${base}/sign-in`, { headers: { 'x-forwarded-proto': 'https' } });
    assert.match(res.headers.get('strict-transport-security') ?? '', /^max-age=\d{8,}; includeSubDomains$/);
    assert.ok('upgrade-insecure-requests' in directives(res.headers.get('content-security-policy')));
  });

  it('static assets carry the static headers too', async () => {
    const html = await (await fetch(`${base}/sign-in`)).text();
    const asset = /\/_next\/static\/[^"]+\.js/.exec(html)?.[0];
    assert.ok(asset, 'no static script in the page');
    const res = await fetch(`${base}${asset}`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('referrer-policy'), 'strict-origin-when-cross-origin');
  });
});
