/**
 * Graceful HTTP drain, for rolling updates without a failed request. Closing a server at
 * once resets its idle kept-alive connections, and a client may be writing its next
 * request into one of them at that moment. Instead, once draining: every response says
 * `Connection: close` (the client finishes that request and opens its next connection
 * elsewhere — by then the pod is out of the Service's endpoints), and the server closes
 * only when its plain HTTP connections are gone and no new one has arrived for a quiet
 * period, or the drain time is up. The quiet period matters: on a busy node kube-proxy
 * can route new connections to a stopping pod for seconds after it left the endpoints,
 * and closing the listener then resets the ones already accepted by the kernel (a
 * client sees ECONNRESET) and refuses the rest. WebSocket connections are not waited
 * for: the realtime role closes them, and clients resume.
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Resolves when no plain HTTP connection is open and none has arrived for `quietMs`
     * (counted from the call at the earliest), or after `ms`.
     */
    drained(ms: number, quietMs?: number): Promise<void>;
  }
}

/** How long a draining server waits without a new connection before it closes its listener. */
export const DRAIN_QUIET_MS = 3000;

/**
 * Until draining, every response announces `keepAliveMs` (Keep-Alive: timeout=…) instead of the
 * server's own idle timeout, which is longer (src/http/server.ts): clients close their idle
 * connections first, and a draining server has none left to close under them.
 */
export function registerDrain(app: FastifyInstance, isDraining: () => boolean, keepAliveMs: number): void {
  const keepAlive = `timeout=${Math.floor(keepAliveMs / 1000)}`;
  const open = new Set<Socket>();
  let lastConnectionAt = 0;
  app.server.on('connection', (socket: Socket) => {
    open.add(socket);
    lastConnectionAt = Date.now();
    socket.once('close', () => open.delete(socket));
  });
  (app.server as Server).on('upgrade', (_req, socket: Socket) => open.delete(socket));
  app.addHook('onSend', (_req, reply, payload, done) => {
    if (isDraining()) reply.header('connection', 'close');
    else reply.header('keep-alive', keepAlive);
    done(null, payload);
  });
  app.decorate('drained', async (ms: number, quietMs = DRAIN_QUIET_MS) => {
    const started = Date.now();
    const deadline = started + ms;
    const busy = () => open.size > 0 || Date.now() - Math.max(lastConnectionAt, started) < quietMs;
    while (busy() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    // One more I/O poll right before the caller closes: a request that has arrived but
    // not yet been read would make its socket look idle, and closing it would fail it.
    await new Promise((r) => setImmediate(r));
  });
}
