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
import { createServer } from 'node:http';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import next from 'next';
import { createProxy, PROXIED } from './api-proxy.mjs';

const dir = dirname(fileURLToPath(import.meta.url));
const port = Number(process.env.PORT ?? 3000);
const hostname = process.env.HOST ?? '0.0.0.0';
const api = new URL(process.env.KAIROS_API_URL ?? 'http://127.0.0.1:4000');
const ws = new URL(process.env.KAIROS_WS_URL || api.href);
const { proxy, proxyUpgrade } = createProxy({ api, ws });

const app = next({ dev: false, dir, hostname, port });
await app.prepare();
const handle = app.getRequestHandler();

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
