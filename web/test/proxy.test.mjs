// The web server's proxy: bodies streamed rather than buffered, a refused WebSocket
// upgrade keeps its status. (An oversize body's 413 through the proxy is tested against
// the real API in backend/test/api/web-proxy.test.ts.)
import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import Fastify from 'fastify';
import { createProxy, PROXIED } from '../api-proxy.mjs';

let api;
let web;
let webUrl;
let firstChunkSeen;

before(async () => {
  api = Fastify({ bodyLimit: 64 * 1024 });
  api.addContentTypeParser('application/octet-stream', (_req, payload, done) => {
    // Reports the first chunk as soon as it arrives: the proxy must not wait for the whole body.
    payload.once('data', () => firstChunkSeen?.());
    const chunks = [];
    payload.on('data', (c) => chunks.push(c));
    payload.on('end', () => done(null, Buffer.concat(chunks)));
  });
  api.post('/api/v1/tasks', async (req, reply) => reply.status(201).send({ bytes: JSON.stringify(req.body).length }));
  api.post('/api/v1/stream', async (req) => ({ bytes: req.body.length }));
  api.get('/ws', async (_req, reply) =>
    reply.status(429).header('retry-after', '30').type('application/problem+json').send({ status: 429, title: 'Too many requests' }),
  );
  const apiUrl = new URL(await api.listen({ port: 0, host: '127.0.0.1' }));
  const { proxy, proxyUpgrade } = createProxy({ api: apiUrl, ws: apiUrl });
  web = createServer((req, res) => (PROXIED.test(req.url) ? proxy(req, res) : res.writeHead(404).end()));
  web.on('upgrade', proxyUpgrade);
  await new Promise((r) => web.listen(0, '127.0.0.1', r));
  webUrl = `http://127.0.0.1:${web.address().port}`;
});
after(async () => {
  await new Promise((r) => web.close(r));
  await api.close();
});

describe('web proxy', () => {
  it('passes a small body through', async () => {
    const res = await fetch(`${webUrl}/api/v1/tasks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"title":"a"}',
    });
    assert.equal(res.status, 201);
  });

  it('streams the body: the API sees the first chunk before the client has sent the rest', async () => {
    let seen = false;
    const arrived = new Promise((r) => (firstChunkSeen = () => ((seen = true), r())));
    const res = await new Promise((resolve, reject) => {
      const req = request(`${webUrl}/api/v1/stream`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' } }, resolve);
      req.on('error', reject);
      req.write(Buffer.alloc(1024, 1));
      const timer = setTimeout(() => reject(new Error('the first chunk did not reach the API before the body ended')), 5000);
      void arrived.then(() => {
        clearTimeout(timer);
        req.end(Buffer.alloc(1024, 2));
      });
    });
    assert.equal(seen, true);
    assert.equal(res.statusCode, 200);
    res.resume();
  });

  it('a refused WebSocket upgrade keeps its status (429) and Retry-After', async () => {
    const res = await new Promise((resolve, reject) => {
      const req = request(`${webUrl}/ws?token=x`, {
        headers: {
          connection: 'Upgrade',
          upgrade: 'websocket',
          'sec-websocket-version': '13',
          'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
        },
      });
      req.on('response', resolve);
      req.on('upgrade', () => reject(new Error('upgraded')));
      req.on('error', reject);
      req.end();
    });
    assert.equal(res.statusCode, 429);
    assert.equal(res.headers['retry-after'], '30');
    res.resume();
  });
});
