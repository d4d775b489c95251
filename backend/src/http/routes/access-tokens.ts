/** Personal access tokens: create (shown once), list, revoke — /api/v1/tokens. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { PersonalAccessTokenStore } from '../../ports/conversations.js';
import type { Authenticate } from '../authenticate.js';
import { HttpProblem } from '../problem.js';
import { errorResponses, problemResponse } from '../schemas.js';

const tags = ['access tokens'];
const security: Array<Record<string, string[]>> = [{ bearerAuth: [] }, { sessionCookie: [] }];
const MAX_TOKENS = 50;

const tokenView = z.object({
  id: z.number().int(),
  name: z.string(),
  prefix: z.string().describe('The first characters of the token'),
  created_at: z.string(),
  last_used_at: z.string().nullable(),
});

export interface AccessTokenRoutesOptions {
  tokens: PersonalAccessTokenStore;
  authenticate: Authenticate;
  /** A new token, its hash (what is stored) and its display prefix. */
  generate: () => { token: string; tokenHash: string; prefix: string };
}

export async function accessTokenRoutes(root: FastifyInstance, opts: AccessTokenRoutesOptions) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { tokens } = opts;
  // Authentication before the body is read or validated (401 first, then 400).
  app.addHook('onRequest', opts.authenticate);

  app.get(
    '/api/v1/tokens',
    {
      schema: {
        tags,
        security,
        summary: 'Your personal access tokens (not revoked)',
        response: { 200: z.object({ items: z.array(tokenView) }), ...errorResponses },
      },
    },
    async (req) => ({ items: await tokens.list(req.userId) }),
  );

  app.post(
    '/api/v1/tokens',
    {
      schema: {
        tags,
        security,
        summary: 'Create a personal access token (for MCP clients); the token is in this response only',
        body: z.object({ name: z.string().trim().min(1).max(100).describe('What it is for, e.g. "Desktop assistant"') }).strict(),
        response: {
          201: tokenView.extend({ token: z.string().describe('Send as "Authorization: Bearer <token>"') }),
          ...errorResponses,
          409: problemResponse, // the user already has MAX_TOKENS tokens
        },
      },
    },
    async (req, reply) => {
      if ((await tokens.list(req.userId)).length >= MAX_TOKENS) {
        throw new HttpProblem(409, 'Too many tokens', `At most ${MAX_TOKENS} tokens; revoke one first.`);
      }
      const { token, tokenHash, prefix } = opts.generate();
      const created = await tokens.create(req.userId, { name: req.body.name, tokenHash, prefix });
      reply.header('cache-control', 'no-store');
      return reply.status(201).send({ ...created, token });
    },
  );

  app.delete(
    '/api/v1/tokens/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Revoke a personal access token (at once)',
        params: z.object({ id: z.coerce.number().int().positive().max(2_147_483_647) }).strict(),
        response: { 204: z.null().describe('Revoked'), ...errorResponses },
      },
    },
    async (req, reply) => {
      if (!(await tokens.revoke(req.userId, req.params.id))) throw new HttpProblem(404, 'Not found', 'No such token.');
      return reply.status(204).send(null);
    },
  );
}
