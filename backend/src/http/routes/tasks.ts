/** The canonical task API: /api/v1/tasks, /api/v1/tags, /api/v1/parse. */
import { traceparentOf } from '../../observability/tracing.js';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { TaskService } from '../../app/tasks.js';
import { UnprocessableError } from '../../app/errors.js';
import { parseQuickAdd } from '../../domain/quick-add.js';
import { checkTaskInvariants } from '../../domain/task.js';
import { describeRecurrence } from '../../domain/recurrence.js';
import type { NewTask } from '../../domain/types.js';
import type { Clock, ListQuery } from '../../ports/index.js';
import type { Authenticate } from '../authenticate.js';
import { setEtag, withExpectedVersion } from '../preconditions.js';
import { presentTask } from '../present.js';
import {
  createTaskBody,
  errorResponses,
  idParams,
  listQuery,
  parseBody,
  parseResponse,
  patchTaskBody,
  problemResponse,
  tagsResponse,
  taskPage,
  taskResponse,
  versionBody,
  type ListQueryInput,
} from '../schemas.js';

export interface TaskRoutesOptions {
  tasks: TaskService;
  authenticate: Authenticate;
  clock: Clock;
}

const tags = ['tasks'];
const security: Array<Record<string, string[]>> = [{ bearerAuth: [] }, { sessionCookie: [] }];

export function toListQuery(q: ListQueryInput, now: Date): ListQuery {
  const sort = q.sort ?? (q.q ? 'relevance' : 'due');
  return {
    status: q.status,
    priority: q.priority,
    tags: q.tags,
    tagMode: q.tag_mode,
    dueFrom: q.due_from,
    dueTo: q.due_to,
    overdue: q.overdue,
    noDue: q.no_due,
    hasReminder: q.has_reminder,
    recurring: q.recurring,
    q: q.q || undefined,
    sort,
    order: q.order ?? (sort === 'due' || sort === 'title' ? 'asc' : 'desc'),
    limit: q.limit,
    cursor: q.cursor,
    now,
  };
}

/** Quick-add text parsed, then explicit fields layered on top. */
export function resolveCreateBody(body: z.infer<typeof createTaskBody>, now: Date): NewTask {
  const { text, ...fields } = body;
  const defined = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Partial<NewTask>;
  if (!text) return defined as NewTask;
  const parsed = parseQuickAdd(text, { now, timeZone: fields.time_zone ?? 'UTC' });
  return { ...parsed, ...defined, title: defined.title ?? parsed.title };
}

/** The request span's context, stored with the change's events so their trace continues it. */
const traceOf = (_req: FastifyRequest) => {
  const tp = traceparentOf();
  return tp ? { traceparent: tp } : {};
};

export async function taskRoutes(root: FastifyInstance, opts: TaskRoutesOptions) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { tasks: svc, clock } = opts;
  app.addHook('onRequest', opts.authenticate);

  app.get(
    '/api/v1/tasks',
    {
      schema: {
        tags,
        security,
        summary: 'List tasks (filter, search, sort, keyset pagination)',
        querystring: listQuery,
        response: { 200: taskPage, ...errorResponses },
      },
    },
    async (req, reply) => {
      const now = clock.now();
      const asOf = now.toISOString();
      const page = await svc.list(req.userId, toListQuery(req.query, now));
      if (page.itemsJson !== undefined) {
        // The store rendered the items' JSON: splice it in rather than parse and re-stringify it.
        // (A string body with a JSON content type is sent as is; the cast only quiets the type provider.)
        const body = `{"items":${page.itemsJson},"next_cursor":${JSON.stringify(page.next_cursor)},"as_of":"${asOf}"}`;
        return reply.type('application/json; charset=utf-8').send(body as never);
      }
      return { items: page.items.map(presentTask), next_cursor: page.next_cursor, as_of: asOf };
    },
  );

  app.post(
    '/api/v1/tasks',
    {
      schema: {
        tags,
        security,
        summary: 'Create a task from fields or a quick-add line',
        body: createTaskBody,
        response: { 201: taskResponse, ...errorResponses, 422: problemResponse },
      },
    },
    async (req, reply) => {
      const task = await svc.create(req.userId, resolveCreateBody(req.body, clock.now()), traceOf(req));
      setEtag(reply, task.version);
      reply.header('location', `/api/v1/tasks/${task.id}`);
      return reply.status(201).send(presentTask(task));
    },
  );

  app.get(
    '/api/v1/tasks/:id',
    { schema: { tags, security, summary: 'Get a task', params: idParams, response: { 200: taskResponse, ...errorResponses } } },
    async (req, reply) => {
      const task = await svc.get(req.userId, req.params.id);
      setEtag(reply, task.version);
      return presentTask(task);
    },
  );

  app.patch(
    '/api/v1/tasks/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Change some fields of a task',
        description: 'Send `If-Match: "<version>"` (412 when stale) or `version` in the body (409 when stale).',
        params: idParams,
        body: patchTaskBody,
        response: { 200: taskResponse, ...errorResponses, 409: problemResponse, 412: problemResponse, 422: problemResponse },
      },
    },
    async (req, reply) => {
      const { version, ...patch } = req.body;
      const task = await withExpectedVersion(req, version, (v) => svc.update(req.userId, req.params.id, patch, v, traceOf(req)));
      setEtag(reply, task.version);
      return presentTask(task);
    },
  );

  app.delete(
    '/api/v1/tasks/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Delete a task',
        params: idParams,
        response: { 204: z.null().describe('Deleted'), ...errorResponses, 412: problemResponse },
      },
    },
    async (req, reply) => {
      await withExpectedVersion(req, undefined, (v) => svc.remove(req.userId, req.params.id, v, traceOf(req)));
      return reply.status(204).send(null);
    },
  );

  for (const action of ['complete', 'reopen'] as const) {
    app.post(
      `/api/v1/tasks/:id/${action}`,
      {
        schema: {
          tags,
          security,
          summary:
            action === 'complete' ? 'Mark a task complete (a recurring task then gets its next occurrence)' : 'Mark a task not complete',
          params: idParams,
          body: versionBody,
          response: { 200: taskResponse, ...errorResponses, 409: problemResponse, 412: problemResponse },
        },
      },
      async (req, reply) => {
        const task = await withExpectedVersion(req, req.body?.version, (v) => svc[action](req.userId, req.params.id, v, traceOf(req)));
        setEtag(reply, task.version);
        return presentTask(task);
      },
    );
  }

  app.get(
    '/api/v1/tags',
    { schema: { tags: ['tags'], security, summary: 'Tags in use, with counts', response: { 200: tagsResponse, ...errorResponses } } },
    async (req) => ({ items: await svc.tags(req.userId) }),
  );

  app.post(
    '/api/v1/parse',
    {
      schema: {
        tags: ['tasks'],
        security,
        summary: 'Preview what a quick-add line means (nothing is stored)',
        body: parseBody,
        response: { 200: parseResponse, ...errorResponses, 422: problemResponse },
      },
    },
    async (req) => {
      const parsed = parseQuickAdd(req.body.text, { now: clock.now(), timeZone: req.body.time_zone ?? 'UTC' });
      // The preview refuses what creating the task would refuse ("in 8000 years", "every 0 days").
      const problems = checkTaskInvariants(parsed);
      if (problems.length) throw new UnprocessableError(problems);
      return { ...parsed, recurrence: parsed.recurrence ? { ...parsed.recurrence, summary: describeRecurrence(parsed.recurrence) } : null };
    },
  );
}
