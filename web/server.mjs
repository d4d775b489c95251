#!/usr/bin/env node
// Serves the built web app on one origin together with the API.
//
// `/api/*` and `/docs*` are proxied to the backend at KAIROS_API_URL (read at
// start-up, default http://127.0.0.1:4000) and the `/ws` WebSocket to
// KAIROS_WS_URL (default: KAIROS_API_URL; the realtime role in the distributed
// mode, e.g. http://127.0.0.1:4004); everything else is Next.js. A custom
// server rather than `rewrites` because Next bakes rewrite targets into the
// build and `next start` does not reliably proxy WebSocket upgrades. In the
// cluster the ingress routes the same paths and the standalone server
// (.next/standalone) is used instead.
import { createServer, request } from 'node:http';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import next from 'next';

const dir = dirname(fileURLToPath(import.meta.url));
const port = Number(process.env.PORT ?? 3000);
const hostname = process.env.HOST ?? '0.0.0.0';
const api = new URL(process.env.KAIROS_API_URL ?? 'http://127.0.0.1:4000');
const ws = new URL(process.env.KAIROS_WS_URL || api.href);
const PROXIED = /^\/(api\/|docs(\/|$|\?)|ws(\/|$|\?))/;
const WEBSOCKET = /^\/ws(\/|$|\?)/;
/** The backend that serves a path: the realtime WebSocket may live elsewhere than the API. */
const upstreamFor = (url) => (WEBSOCKET.test(url ?? '') ? ws : api);

const app = next({ dev: false, dir, hostname, port });
await app.prepare();
const handle = app.getRequestHandler();

function forwardHeaders(req) {
  const headers = { ...req.headers };
  headers['x-forwarded-host'] = req.headers.host ?? '';
  headers['x-forwarded-proto'] = req.socket.encrypted ? 'https' : 'http';
  headers['x-forwarded-for'] = [req.headers['x-forwarded-for'], req.socket.remoteAddress].filter(Boolean).join(', ');
  return headers;
}

function proxy(req, res) {
  const target = upstreamFor(req.url);
  const upstream = request(
    { host: target.hostname, port: target.port || 80, method: req.method, path: req.url, headers: forwardHeaders(req) },
    (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    },
  );
  upstream.on('error', () => {
    if (!res.headersSent) {
      res.writeHead(502, { 'content-type': 'application/problem+json' });
      res.end(JSON.stringify({ type: 'about:blank', title: 'Bad Gateway', status: 502, detail: 'The Kairos API is not reachable.' }));
    } else res.destroy();
  });
  req.pipe(upstream);
}

function proxyUpgrade(req, socket, head) {
  const target = upstreamFor(req.url);
  const upstream = request({
    host: target.hostname,
    port: target.port || 80,
    method: req.method,
    path: req.url,
    headers: forwardHeaders(req),
  });
  upstream.on('upgrade', (up, upSocket, upHead) => {
    const lines = [`HTTP/1.1 ${up.statusCode} ${up.statusMessage}`];
    for (let i = 0; i < up.rawHeaders.length; i += 2) lines.push(`${up.rawHeaders[i]}: ${up.rawHeaders[i + 1]}`);
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (upHead?.length) socket.write(upHead);
    if (head?.length) upSocket.write(head);
    upSocket.pipe(socket).pipe(upSocket);
    upSocket.on('error', () => socket.destroy());
    socket.on('error', () => upSocket.destroy());
  });
  upstream.on('response', (up) => {
    socket.end(`HTTP/1.1 ${up.statusCode} ${up.statusMessage}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
  });
  upstream.on('error', () => socket.end('HTTP/1.1 502 Bad Gateway\r\nconnection: close\r\ncontent-length: 0\r\n\r\n'));
  upstream.end();
}

const server = createServer((req, res) => {
  if (PROXIED.test(req.url ?? '')) return proxy(req, res);
  void handle(req, res);
});
server.on('upgrade', (req, socket, head) => {
  if (PROXIED.test(req.url ?? '')) return proxyUpgrade(req, socket, head);
  socket.destroy();
});
server.listen(port, hostname, () => {
  console.log(
    `Kairos web on http://${hostname === '0.0.0.0' ? 'localhost' : hostname}:${port} (API ${api.origin}, WebSocket ${ws.origin})`,
  );
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => server.close(() => process.exit(0)));
