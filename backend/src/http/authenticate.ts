/**
 * Authentication for the API: a bearer JWT (API clients, other roles) or the Better
 * Auth session cookie (the web app). Sets `request.userId`; everything downstream is
 * scoped to it. No credentials → 401 with a `WWW-Authenticate` challenge.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { InvalidTokenError, type IdentityProvider, type TokenVerifier } from '../ports/index.js';
import { HttpProblem } from './problem.js';

declare module 'fastify' {
  interface FastifyRequest {
    userId: string;
  }
}

export type Authenticate = (req: FastifyRequest, reply: FastifyReply) => Promise<void>;

export function createAuthenticate(deps: { verify: TokenVerifier; auth?: IdentityProvider }): Authenticate {
  return async (req, reply) => {
    const header = req.headers.authorization;
    if (header) {
      const [scheme, token] = header.split(' ', 2);
      if (scheme?.toLowerCase() !== 'bearer' || !token) {
        reply.header('www-authenticate', 'Bearer');
        throw new HttpProblem(401, 'Unauthorized', 'Use "Authorization: Bearer <token>"; get a token from GET /api/auth/token.');
      }
      try {
        req.userId = (await deps.verify(token)).userId;
        return;
      } catch (err) {
        if (!(err instanceof InvalidTokenError)) throw err;
        reply.header('www-authenticate', 'Bearer error="invalid_token"');
        throw new HttpProblem(401, 'Unauthorized', `The bearer token is not valid: ${err.message}`);
      }
    }
    if (deps.auth && req.headers.cookie) {
      const session = await deps.auth.api.getSession({ headers: toHeaders(req) });
      if (session?.user) {
        req.userId = session.user.id;
        return;
      }
    }
    reply.header('www-authenticate', 'Bearer');
    throw new HttpProblem(401, 'Unauthorized', 'Sign in, or send "Authorization: Bearer <token>".');
  };
}

export function toHeaders(req: FastifyRequest): Headers {
  const headers = new Headers();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) headers.append(key, v);
    else headers.set(key, String(value));
  }
  return headers;
}

/**
 * For routes with `{user_id}` in the path (the challenge's surface): the id must be the
 * authenticated user's. Runs after `authenticate`, before validation, so a foreign id
 * is 403 whatever the body.
 */
export async function requirePathUser(req: FastifyRequest): Promise<void> {
  const { user_id } = req.params as { user_id?: string };
  if (user_id !== undefined && user_id !== req.userId) {
    throw new HttpProblem(403, 'Forbidden', 'The user id in the path is not the signed-in user.');
  }
}
