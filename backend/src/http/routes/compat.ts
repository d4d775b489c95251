/**
 * The original challenge's endpoints, kept working: /api/{user_id}/tasks…
 * `{user_id}` must be the authenticated user (else 403); the task JSON is the same
 * as /api/v1's. The list returns a plain array, as the original did.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { TaskService } from '../../app/tasks.js';
import type { Task } from '../../domain/types.js';
import type { Clock } from '../../ports/index.js';
import { requirePathUser, type Authenticate } from '../authenticate.js';
import { presentTask } from '../present.js';
import {
  compatCreateBody,
  compatIdParams,
  compatParams,
  compatUpdateBody,
  errorResponses,
  listQuery,
  problemResponse,
  taskResponse,
} from '../schemas.js';
import { toListQuery } from './tasks.js';

const COMPAT_LIST_MAX = 1000;
const tags = ['compatibility'];
const security: Array<Record<string, string[]>> = [{ bearerAuth: [] }, { sessionCookie: [] }];
const compatErrors = { ...errorResponses, 403: problemResponse };

export async function compatRoutes(root: FastifyInstance, opts: { tasks: TaskService; authenticate: Authenticate; clock: Clock }) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { tasks: svc, clock } = opts;
  app.addHook('onRequest', opts.authenticate);
  app.addHook('onRequest', requirePathUser);

  app.get(
    '/api/:user_id/tasks',
    {
      schema: {
        tags,
        security,
        summary: 'List tasks (array)',
        params: compatParams,
        querystring: listQuery.omit({ cursor: true, limit: true }),
        response: { 200: z.array(taskResponse), ...compatErrors },
      },
    },
    async (req) => {
      const items: Task[] = [];
      let cursor: string | undefined;
      do {
        const page = await svc.list(req.userId, toListQuery({ ...req.query, limit: 200, cursor }, clock.now()));
        items.push(...page.items);
        cursor = page.next_cursor ?? undefined;
      } while (cursor && items.length < COMPAT_LIST_MAX);
      return items.slice(0, COMPAT_LIST_MAX).map(presentTask);
    },
  );

  app.post(
    '/api/:user_id/tasks',
    {
      schema: {
        tags,
        security,
        summary: 'Create a task',
        params: compatParams,
        body: compatCreateBody,
        response: { 201: taskResponse, ...compatErrors, 422: problemResponse },
      },
    },
    async (req, reply) => {
      const task = await svc.create(req.userId, req.body);
      reply.header('location', `/api/${req.userId}/tasks/${task.id}`);
      return reply.status(201).send(presentTask(task));
    },
  );

  app.get(
    '/api/:user_id/tasks/:id',
    { schema: { tags, security, summary: 'Get a task', params: compatIdParams, response: { 200: taskResponse, ...compatErrors } } },
    async (req) => presentTask(await svc.get(req.userId, req.params.id)),
  );

  app.put(
    '/api/:user_id/tasks/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Update a task',
        params: compatIdParams,
        body: compatUpdateBody,
        response: { 200: taskResponse, ...compatErrors, 422: problemResponse },
      },
    },
    async (req) => presentTask(await svc.update(req.userId, req.params.id, req.body)),
  );

  app.delete(
    '/api/:user_id/tasks/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Delete a task',
        params: compatIdParams,
        response: { 204: z.null().describe('Deleted'), ...compatErrors },
      },
    },
    async (req, reply) => {
      await svc.remove(req.userId, req.params.id);
      return reply.status(204).send(null);
    },
  );

  app.patch(
    '/api/:user_id/tasks/:id/complete',
    { schema: { tags, security, summary: 'Toggle completion', params: compatIdParams, response: { 200: taskResponse, ...compatErrors } } },
    async (req) => {
      const current = await svc.get(req.userId, req.params.id);
      const task = current.completed
        ? await svc.reopen(req.userId, current.id, current.version)
        : await svc.complete(req.userId, current.id, current.version);
      return presentTask(task);
    },
  );
}
