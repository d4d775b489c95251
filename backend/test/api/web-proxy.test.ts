/**
 * A body over the API's limit sent through the web app's proxy (web/api-proxy.mjs, as
 * `npm start` serves it) gets the API's own 413 problem, never a 502.
 */
import { createServer, request, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain ES module of the web app, without type declarations
import { createProxy, PROXIED } from '../../../web/api-proxy.mjs';
import { startTestApp, type TestApp, type TestUser } from './harness.js';

let t: TestApp;
let u: TestUser;
let web: Server;
let webUrl: string;

beforeAll(async () => {
  t = await startTestApp({ KAIROS_BODY_LIMIT: '65536' });
  u = await t.signUp('proxied');
  const apiUrl = new URL(await t.app.listen({ port: 0, host: '127.0.0.1' }));
  const { proxy } = createProxy({ api: apiUrl, ws: apiUrl });
  web = createServer((req, res) => (PROXIED.test(req.url ?? '') ? proxy(req, res) : res.writeHead(404).end()));
  await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
  webUrl = `http://127.0.0.1:${(web.address() as { port: number }).port}`;
});
afterAll(async () => {
  await new Promise((r) => web.close(r));
  await t.stop();
});

const headers = () => ({ 'content-type': 'application/json', authorization: `Bearer ${u.token}` });

describe('oversize bodies through the web proxy', () => {
  it('a body under the limit passes', async () => {
    const res = await fetch(`${webUrl}/api/v1/tasks`, { method: 'POST', headers: headers(), body: JSON.stringify({ title: 'via proxy' }) });
    expect(res.status).toBe(201);
  });

  it("gets the API's 413 problem, never a 502 (16 tries, 256 KiB to 4 MiB)", async () => {
    for (let i = 0; i < 16; i++) {
      const size = 256 * 1024 * (1 + i);
      const body = JSON.stringify({ title: 'x', description: 'y'.repeat(size) });
      const res = await fetch(`${webUrl}/api/v1/tasks`, { method: 'POST', headers: headers(), body });
      const text = await res.text();
      expect(res.status, `try ${i} (${size} bytes): ${text}`).toBe(413);
      expect(res.headers.get('content-type')).toMatch(/problem\+json/);
      expect(JSON.parse(text).title).toBe('Payload too large');
    }
  });

  it('a request refused before its body is read (no credentials) gets its 401 through the proxy, not a 502', async () => {
    for (let i = 0; i < 8; i++) {
      const body = JSON.stringify({ title: 'x', description: 'y'.repeat(512 * 1024 * (1 + i)) });
      const res = await fetch(`${webUrl}/api/v1/tasks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(res.status, `try ${i}: ${await res.text()}`).toBe(401);
    }
  });

  it('also when the body is sent in chunks without a length', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${webUrl}/api/v1/tasks`, { method: 'POST', headers: headers() }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write('{"title":"x","description":"');
      let sent = 0;
      const pump = () => {
        while (sent < 2 * 1024 * 1024) {
          sent += 16 * 1024;
          if (!req.write('y'.repeat(16 * 1024))) return void req.once('drain', pump);
        }
        req.end('"}');
      };
      pump();
    });
    expect(status).toBe(413);
  });
});
