/**
 * Mounts Better Auth under /api/auth. Fastify has already parsed the body, so the
 * request is rebuilt as a Fetch Request for Better Auth's handler and its Response
 * copied back (every Set-Cookie header included). Sign-in and sign-up are
 * rate-limited per client address.
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { IdentityProvider } from '../../ports/index.js';
import { toHeaders } from '../authenticate.js';
import { HttpProblem } from '../problem.js';

export interface AuthRoutesOptions {
  auth: IdentityProvider;
  /** Origin of the public URL, assumed for requests that carry neither Origin nor cookies. */
  publicOrigin: string;
  /** Attempts per minute per client on sign-in and sign-up; 0 turns limiting off. */
  rateLimitPerMinute: number;
}

export async function authRoutes(app: FastifyInstance, opts: AuthRoutesOptions) {
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_req, ctx) =>
      new HttpProblem(429, 'Too many requests', `Too many attempts; try again in ${Math.ceil(ctx.ttl / 1000)} s.`),
  });

  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    const url = new URL(req.url, `${req.protocol}://${req.headers.host ?? 'localhost'}`);
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD' && req.body !== undefined;
    const headers = toHeaders(req);
    // Better Auth's origin check guards cookie-carrying browser requests against CSRF. A request
    // with neither Origin nor Cookie (curl, an API client) cannot be a CSRF attack: treat it as same-origin.
    if (!headers.has('origin') && !headers.has('cookie')) headers.set('origin', opts.publicOrigin);
    const response = await opts.auth.handler(
      new Request(url, { method: req.method, headers, ...(hasBody ? { body: JSON.stringify(req.body) } : {}) }),
    );
    reply.status(response.status);
    for (const [key, value] of response.headers) if (key !== 'set-cookie' && key !== 'content-length') reply.header(key, value);
    const cookies = response.headers.getSetCookie();
    if (cookies.length) reply.header('set-cookie', cookies);
    return reply.send(response.body ? Buffer.from(await response.arrayBuffer()) : null);
  };

  const limited = opts.rateLimitPerMinute > 0 ? { rateLimit: { max: opts.rateLimitPerMinute, timeWindow: '1 minute' } } : {};
  const hidden = { hide: true };
  for (const path of ['/api/auth/sign-in/email', '/api/auth/sign-up/email']) {
    app.route({ method: 'POST', url: path, config: limited, schema: hidden, handler });
  }
  app.route({ method: ['GET', 'POST'], url: '/api/auth/*', schema: hidden, handler });
}
