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
import { DEFAULT_LIMITS } from '../limits.js';
import { HttpProblem } from '../problem.js';

export async function websocketRoutes(
  app: FastifyInstance,
  opts: { hub: RealtimeHub; authenticate: Authenticate; heartbeatMs?: number; onConnections?: (n: number) => void },
) {
  // A message over the limit closes the socket with 1009 (message too big).
  const { wsMaxPerUser, wsMaxMessageBytes } = app.limits ?? DEFAULT_LIMITS;
  await app.register(websocket, { options: { maxPayload: wsMaxMessageBytes } });
  const heartbeatMs = opts.heartbeatMs ?? 25_000;
  /** Open sockets per user, bounded by wsMaxPerUser. */
  const open = new Map<string, number>();

  app.get(
    '/ws',
    {
      websocket: true,
      schema: { hide: true },
      preValidation: async (req, reply) => {
        const token = (req.query as { token?: string }).token;
        if (token) req.headers.authorization = `Bearer ${token}`;
        await opts.authenticate(req, reply);
        if ((open.get(req.userId) ?? 0) >= wsMaxPerUser) {
          reply.header('retry-after', '30');
          throw new HttpProblem(429, 'Too many requests', `At most ${wsMaxPerUser} open WebSocket connections per user; close one first.`);
        }
      },
    },
    async (socket, req) => {
      // Counted when the socket opens; two upgrades racing past the check above are closed here.
      const userId = req.userId;
      open.set(userId, (open.get(userId) ?? 0) + 1);
      let counted = true;
      const release = () => {
        if (!counted) return;
        counted = false;
        const n = (open.get(userId) ?? 1) - 1;
        if (n > 0) open.set(userId, n);
        else open.delete(userId);
      };
      if ((open.get(userId) ?? 0) > wsMaxPerUser) {
        release();
        socket.close(1008, 'too many connections');
        return;
      }
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
        release();
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
