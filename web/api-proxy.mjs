// The runtime proxy of server.mjs: `/api/*` and `/docs*` to the API, `/ws` to the
// realtime WebSocket. Bodies are streamed both ways, never buffered. When the API
// answers before it has read the whole request body (413 for a body over its limit),
// that answer is what the client gets: forwarding stops and the rest of the body is
// read and dropped here. (The API itself reads and drops the rest of an oversize body
// before it answers, so the answer is not lost to a reset connection — which used to
// surface here as a 502 "The Kairos API is not reachable".) A refused WebSocket upgrade
// keeps the API's status, headers and problem body.
import { request } from 'node:http';

export const PROXIED = /^\/(api\/|docs(\/|$|\?)|ws(\/|$|\?))/;
const WEBSOCKET = /^\/ws(\/|$|\?)/;

export function createProxy({ api, ws }) {
  /** The backend that serves a path: the realtime WebSocket may live elsewhere than the API. */
  const upstreamFor = (url) => (WEBSOCKET.test(url ?? '') ? ws : api);

  function forwardHeaders(req) {
    const headers = { ...req.headers };
    headers['x-forwarded-host'] = req.headers.host ?? '';
    headers['x-forwarded-proto'] = req.socket.encrypted ? 'https' : 'http';
    headers['x-forwarded-for'] = [req.headers['x-forwarded-for'], req.socket.remoteAddress].filter(Boolean).join(', ');
    return headers;
  }

  function proxy(req, res) {
    const target = upstreamFor(req.url);
    let answered = false;
    const upstream = request(
      { host: target.hostname, port: target.port || 80, method: req.method, path: req.url, headers: forwardHeaders(req) },
      (up) => {
        answered = true;
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
        up.on('error', () => res.destroy());
        if (!req.readableEnded) {
          // Answered early (e.g. 413): stop forwarding, drain what the client still sends.
          req.unpipe(upstream);
          req.resume();
        }
      },
    );
    upstream.on('error', () => {
      if (answered) return; // the answer is on its way; a failed write of the unread body does not matter
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'application/problem+json' });
        res.end(JSON.stringify({ type: 'about:blank', title: 'Bad Gateway', status: 502, detail: 'The Kairos API is not reachable.' }));
      } else res.destroy();
      req.resume();
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
      // A refused upgrade (401, 429) keeps its status and its problem body.
      const lines = [`HTTP/1.1 ${up.statusCode} ${up.statusMessage}`, 'connection: close'];
      for (let i = 0; i < up.rawHeaders.length; i += 2) {
        if (!/^(connection|keep-alive|transfer-encoding)$/i.test(up.rawHeaders[i]))
          lines.push(`${up.rawHeaders[i]}: ${up.rawHeaders[i + 1]}`);
      }
      const chunks = [];
      up.on('data', (c) => chunks.push(c));
      up.on('end', () => {
        const body = Buffer.concat(chunks);
        socket.end(
          Buffer.concat([
            Buffer.from(`${lines.filter((l) => !/^content-length:/i.test(l)).join('\r\n')}\r\ncontent-length: ${body.length}\r\n\r\n`),
            body,
          ]),
        );
      });
      up.on('error', () => socket.destroy());
    });
    upstream.on('error', () => socket.end('HTTP/1.1 502 Bad Gateway\r\nconnection: close\r\ncontent-length: 0\r\n\r\n'));
    upstream.end();
  }

  return { proxy, proxyUpgrade };
}
