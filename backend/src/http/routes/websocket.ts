/**
 * GET /ws — the realtime WebSocket. Authenticated with `?token=<JWT>` (browsers cannot
 * set headers on a WebSocket) or the session cookie; `?after=<last id>` resumes.
 * A ping every 25 s keeps proxies from closing idle connections and lets the
 * client notice a dead link.
 */
import websocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import type { RealtimeHub } from '../../app/realtime.js';
import type { Authenticate } from '../authenticate.js';

export async function websocketRoutes(
  app: FastifyInstance,
  opts: { hub: RealtimeHub; authenticate: Authenticate; heartbeatMs?: number; onConnections?: (n: number) => void },
) {
  await app.register(websocket, { options: { maxPayload: 4096 } });
  const heartbeatMs = opts.heartbeatMs ?? 25_000;

  app.get(
    '/ws',
    {
      websocket: true,
      schema: { hide: true },
      preValidation: async (req, reply) => {
        const token = (req.query as { token?: string }).token;
        if (token) req.headers.authorization = `Bearer ${token}`;
        await opts.authenticate(req, reply);
      },
    },
    async (socket, req) => {
      const afterRaw = (req.query as { after?: string }).after;
      const after = afterRaw && /^\d{1,18}$/.test(afterRaw) ? Number(afterRaw) : undefined;
      const send = (msg: unknown) => {
        if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(msg));
      };
      const heartbeat = setInterval(() => send({ type: 'ping' }), heartbeatMs);
      heartbeat.unref();
      // Registered first, so a socket that closes during the replay is still unregistered.
      const registered = opts.hub.connect(req.userId, { send }, after);
      socket.on('close', () => {
        clearInterval(heartbeat);
        void registered.then((disconnect) => {
          disconnect();
          opts.onConnections?.(opts.hub.connections());
        });
      });
      await registered;
      opts.onConnections?.(opts.hub.connections());
    },
  );
}
