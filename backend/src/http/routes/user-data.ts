/** Per-user resources besides tasks: history, notifications, preferences, saved views. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { NotFoundError } from '../../app/errors.js';
import type { TaskService } from '../../app/tasks.js';
import type { AuditStore, NotificationStore, PreferencesStore, ViewStore } from '../../ports/index.js';
import type { Authenticate } from '../authenticate.js';
import { HttpProblem } from '../problem.js';
import { errorResponses, idParams, preferencesSchema, problemResponse, taskResponse, viewName, viewQuery } from '../schemas.js';

export interface UserDataRoutesOptions {
  authenticate: Authenticate;
  tasks: TaskService;
  audit: AuditStore;
  notifications: NotificationStore;
  preferences: PreferencesStore;
  views: ViewStore;
}

const security: Array<Record<string, string[]>> = [{ bearerAuth: [] }, { sessionCookie: [] }];

const historyResponse = z.object({
  items: z.array(
    z.object({
      id: z.number(),
      event_id: z.string(),
      event_type: z.string(),
      at: z.string(),
      task_data: taskResponse.partial().describe('The task as this event left it'),
    }),
  ),
});
export const notificationSchema = z.object({
  id: z.number(),
  task_id: z.number(),
  title: z.string(),
  due_at: z.string().nullable(),
  remind_at: z.string(),
  created_at: z.string(),
  read_at: z.string().nullable(),
});
/** What GET returns: the time zone as stored (canonical), not the input rule. */
const preferencesResponse = preferencesSchema.extend({ time_zone: z.string().describe('Default time zone for quick-add and e-mails') });
const viewBody = z.object({ name: viewName, query: z.record(z.string(), z.unknown()) }).strict();
const viewSchema = z.object({ id: z.number(), name: z.string(), query: z.record(z.string(), z.unknown()), created_at: z.string() });

export async function userDataRoutes(root: FastifyInstance, opts: UserDataRoutesOptions) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  app.addHook('onRequest', opts.authenticate);

  app.get(
    '/api/v1/tasks/:id/history',
    {
      schema: {
        tags: ['history'],
        security,
        summary: 'Everything that happened to a task, newest first',
        params: idParams,
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }).strict(),
        response: { 200: historyResponse, ...errorResponses },
      },
    },
    async (req) => {
      const items = await opts.audit.history(req.userId, req.params.id, req.query.limit);
      // History outlives a deleted task; with neither, the task never was the caller's.
      if (items.length === 0) await opts.tasks.get(req.userId, req.params.id);
      return { items } as z.infer<typeof historyResponse>;
    },
  );

  app.get(
    '/api/v1/notifications',
    {
      schema: {
        tags: ['notifications'],
        security,
        summary: 'In-app notifications, newest first',
        querystring: z
          .object({ unread: z.enum(['true', 'false']).optional(), limit: z.coerce.number().int().min(1).max(200).default(50) })
          .strict(),
        response: { 200: z.object({ items: z.array(notificationSchema), unread_count: z.number() }), ...errorResponses },
      },
    },
    async (req) => opts.notifications.list(req.userId, { unreadOnly: req.query.unread === 'true', limit: req.query.limit }),
  );

  app.post(
    '/api/v1/notifications/:id/read',
    {
      schema: {
        tags: ['notifications'],
        security,
        summary: 'Mark one notification read',
        params: idParams,
        response: { 204: z.null(), ...errorResponses },
      },
    },
    async (req, reply) => {
      const changed = await opts.notifications.markRead(req.userId, req.params.id);
      if (!changed) {
        const all = await opts.notifications.list(req.userId, { unreadOnly: false, limit: 200 });
        if (!all.items.some((n) => n.id === req.params.id)) throw new NotFoundError('notification');
      }
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/v1/notifications/read-all',
    {
      schema: {
        tags: ['notifications'],
        security,
        summary: 'Mark every notification read',
        response: { 200: z.object({ marked: z.number() }), ...errorResponses },
      },
    },
    async (req) => ({
      marked: await opts.notifications.markRead(req.userId, 'all'),
    }),
  );

  app.get(
    '/api/v1/me/preferences',
    {
      schema: {
        tags: ['preferences'],
        security,
        summary: 'Notification and time-zone preferences',
        response: { 200: preferencesResponse, ...errorResponses },
      },
    },
    async (req) => opts.preferences.get(req.userId),
  );

  app.put(
    '/api/v1/me/preferences',
    {
      schema: {
        tags: ['preferences'],
        security,
        summary: 'Replace preferences',
        body: preferencesSchema,
        response: { 200: preferencesResponse, ...errorResponses },
      },
    },
    async (req) => opts.preferences.put(req.userId, req.body),
  );

  app.get(
    '/api/v1/views',
    {
      schema: {
        tags: ['views'],
        security,
        summary: 'Saved views',
        response: { 200: z.object({ items: z.array(viewSchema) }), ...errorResponses },
      },
    },
    async (req) => ({ items: await opts.views.list(req.userId) }),
  );

  app.post(
    '/api/v1/views',
    {
      schema: {
        tags: ['views'],
        security,
        summary: 'Save a view (a named task query)',
        body: viewBody,
        response: { 201: viewSchema, ...errorResponses, 409: problemResponse },
      },
    },
    async (req, reply) => {
      const query = viewQuery.safeParse(req.body.query);
      if (!query.success) {
        const errors = query.error.issues.map((i) => ({ path: ['query', ...i.path].join('.'), message: i.message }));
        throw new HttpProblem(400, 'Invalid request', errors.map((e) => `${e.path}: ${e.message}`).join('; '), { errors });
      }
      const view = await opts.views.create(req.userId, req.body.name, req.body.query);
      if (view === 'duplicate')
        throw new HttpProblem(409, 'Conflict', `A view named "${req.body.name}" exists already.`, {
          errors: [{ path: 'name', message: 'is already used by another view' }],
        });
      return reply.status(201).send(view);
    },
  );

  app.delete(
    '/api/v1/views/:id',
    {
      schema: {
        tags: ['views'],
        security,
        summary: 'Delete a saved view',
        params: idParams,
        response: { 204: z.null(), ...errorResponses },
      },
    },
    async (req, reply) => {
      if (!(await opts.views.remove(req.userId, req.params.id))) throw new NotFoundError('view');
      return reply.status(204).send(null);
    },
  );
}
