/** A user's data as one document: GET /api/v1/export, POST /api/v1/import (app/portability.ts). */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ConflictError } from '../../app/errors.js';
import { EXPORT_FORMAT, EXPORT_VERSION, IMPORT_MAX_TASKS, NOT_EMPTY, type ImportedTask, type Portability } from '../../app/portability.js';
import {
  descriptionSchema,
  instantSchema,
  prioritySchema,
  recurrenceSchema,
  remindersSchema,
  tagsSchema,
  timeZoneSchema,
  titleSchema,
} from '../../domain/task.js';
import type { Clock } from '../../ports/index.js';
import type { Authenticate } from '../authenticate.js';
import { createImportLimiter, DEFAULT_LIMITS } from '../limits.js';
import { HttpProblem } from '../problem.js';
import { presentTask } from '../present.js';
import { errorResponses, preferencesSchema, problemResponse, taskResponse, viewName, viewQuery } from '../schemas.js';

export interface PortabilityRoutesOptions {
  authenticate: Authenticate;
  portability: Portability;
  clock: Clock;
}

const tags = ['export'];
const security: Array<Record<string, string[]>> = [{ bearerAuth: [] }, { sessionCookie: [] }];
/** An export of IMPORT_MAX_TASKS tasks with long descriptions stays under this. */
const IMPORT_BODY_LIMIT = 32 * 1024 * 1024;

const exportedView = z.object({ name: z.string(), query: z.record(z.string(), z.unknown()) });
const exportDocument = z.object({
  format: z.literal(EXPORT_FORMAT),
  version: z.literal(EXPORT_VERSION),
  exported_at: z.string(),
  tasks: z.array(taskResponse),
  views: z.array(exportedView),
  preferences: preferencesSchema.extend({ time_zone: z.string() }),
});

/** Fields an exported task carries that the import does not take: it assigns its own. */
const assigned = {
  id: z.unknown().optional(),
  user_id: z.unknown().optional(),
  created_at: z.unknown().optional(),
  updated_at: z.unknown().optional(),
  version: z.unknown().optional(),
};
const withoutSummary = (v: unknown) => {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
  const { summary: _summary, ...rule } = v as Record<string, unknown>;
  return rule;
};
const importedTask = z.strictObject({
  title: titleSchema,
  description: descriptionSchema.default(''),
  priority: prioritySchema.default('none'),
  tags: tagsSchema.default([]),
  due_at: instantSchema.nullable().default(null),
  time_zone: timeZoneSchema.default('UTC'),
  reminders: remindersSchema.default([]),
  recurrence: z.preprocess(withoutSummary, recurrenceSchema.nullable()).default(null),
  completed: z.boolean({ error: 'completed must be true or false' }).default(false),
  completed_at: instantSchema.nullable().default(null).describe('When it was completed (kept); now, if missing'),
  series_id: z.uuid({ error: 'series_id must be a UUID' }).nullable().default(null).describe('Tasks sharing it form one new series'),
  occurrence: z.int().min(1).max(1_000_000).default(1),
  ...assigned,
});
const importBody = z.strictObject({
  format: z.literal(EXPORT_FORMAT, { error: `format must be "${EXPORT_FORMAT}": a document from GET /api/v1/export` }),
  version: z.literal(EXPORT_VERSION, { error: `version must be ${EXPORT_VERSION}: this server reads version ${EXPORT_VERSION} exports` }),
  exported_at: z.string().optional(),
  tasks: z
    .array(importedTask)
    .max(IMPORT_MAX_TASKS, { error: `At most ${IMPORT_MAX_TASKS} tasks per import; split the document` })
    .default([]),
  views: z
    .array(
      z
        .strictObject({
          name: viewName,
          query: z.record(z.string(), z.unknown()),
          id: z.unknown().optional(),
          created_at: z.unknown().optional(),
        })
        // Checked as POST /api/v1/views checks it, and stored as given, as that does.
        .superRefine((view, ctx) => {
          const checked = viewQuery.safeParse(view.query);
          if (!checked.success)
            for (const issue of checked.error.issues)
              ctx.addIssue({ code: 'custom', path: ['query', ...issue.path], message: issue.message });
        }),
    )
    .max(100)
    .default([]),
  preferences: preferencesSchema.optional(),
});
const importResult = z.object({
  tasks: z.number().describe('Tasks added'),
  views: z.number().describe('Saved views added'),
  views_skipped: z.array(z.string()).describe('Views not added: the account has one of that name'),
  preferences: z.boolean().describe('Whether the preferences were replaced'),
});

export async function portabilityRoutes(root: FastifyInstance, opts: PortabilityRoutesOptions) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  app.addHook('onRequest', opts.authenticate);
  const { importTasksPerHour } = root.limits ?? DEFAULT_LIMITS;
  const importBudget = createImportLimiter({ importTasksPerHour });

  app.get(
    '/api/v1/export',
    {
      schema: {
        tags,
        security,
        summary: 'Everything of yours as one JSON document (tasks, saved views, preferences)',
        response: { 200: exportDocument, ...errorResponses },
      },
    },
    async (req, reply) => {
      const doc = await opts.portability.exportData(req.userId);
      const day = doc.exported_at.slice(0, 10);
      reply.header('content-disposition', `attachment; filename="kairos-export-${day}.json"`);
      reply.header('cache-control', 'no-store');
      return { ...doc, tasks: doc.tasks.map(presentTask) } as z.infer<typeof exportDocument>;
    },
  );

  app.post(
    '/api/v1/import',
    {
      bodyLimit: IMPORT_BODY_LIMIT,
      schema: {
        tags,
        security,
        summary: 'Add the tasks and views of an export to your account (all or nothing)',
        description:
          'Tasks get new ids and keep everything else (completion, reminders, recurrence); tasks that formed a series ' +
          'form a new one. Views whose name you already use are skipped; preferences, when given, are replaced. ' +
          'Into an account that has tasks, only with `merge=true`: importing a document twice adds its tasks twice.',
        querystring: z
          .object({ merge: z.enum(['true', 'false']).default('false').describe('Import into an account that has tasks') })
          .strict(),
        body: importBody,
        response: {
          201: importResult,
          ...errorResponses,
          409: problemResponse,
          413: problemResponse,
          422: problemResponse,
          ...(importBudget ? { 429: problemResponse.describe('Too many requests (see Retry-After)') } : {}),
        },
      },
    },
    async (req, reply) => {
      // Refused before the import budget is charged; importData checks again under the user's lock.
      const merge = req.query.merge === 'true';
      if (!merge && (await opts.portability.hasTasks(req.userId))) throw new ConflictError(NOT_EMPTY);
      const body = req.body;
      const wait = importBudget?.take(req.userId, Math.max(1, body.tasks.length)) ?? 0;
      if (wait > 0) {
        reply.header('retry-after', String(wait));
        throw new HttpProblem(
          429,
          'Too many requests',
          `An account may import ${importTasksPerHour} tasks an hour; these ${body.tasks.length} fit again in ${wait} s.`,
        );
      }
      const result = await opts.portability.importData(
        req.userId,
        {
          tasks: body.tasks as ImportedTask[],
          views: body.views.map((v) => ({ name: v.name, query: v.query })),
          preferences: body.preferences,
        },
        { merge },
      );
      req.log.info({ tasks: result.tasks, views: result.views }, 'import done');
      return reply.status(201).send(result);
    },
  );
}
