/**
 * Request and response schemas of the REST API. The same zod schemas validate
 * requests and generate the OpenAPI document at /docs. Field rules come from
 * domain/task.ts; this file only arranges them into bodies and queries.
 */
import { z } from 'zod';
import { instantSchema, newTaskFieldsSchema, taskPatchFieldsSchema, timeZoneSchema, titleSchema } from '../domain/task.js';
import { PRIORITIES } from '../domain/types.js';

export const idParams = z.object({ id: z.coerce.number().int().positive().max(2_147_483_647).describe('Task id') }).strict();
export const compatParams = z.object({ user_id: z.string().min(1).max(128).describe('Must equal the authenticated user') }).strict();
export const compatIdParams = compatParams.extend({ id: idParams.shape.id }).strict();

/** `a,b,c` in a query string → array (repeating the parameter works too). */
const csv = <T extends z.ZodType>(item: T) =>
  z.preprocess(
    (v) => (typeof v === 'string' ? v.split(',') : Array.isArray(v) ? v.flatMap((x) => String(x).split(',')) : v),
    z.array(item).max(20),
  );
const boolString = z.enum(['true', 'false']).transform((v) => v === 'true');

export const listQuery = z
  .object({
    status: z.enum(['all', 'pending', 'completed']).default('all').describe('Completion status'),
    priority: csv(z.enum(PRIORITIES)).optional().describe('Comma-separated priorities, e.g. `high,medium`'),
    tags: csv(
      z
        .string()
        .trim()
        .min(1)
        .max(32)
        .transform((t) => t.toLowerCase().replace(/^#/, '')),
    )
      .optional()
      .describe('Comma-separated tags'),
    tag_mode: z.enum(['any', 'all']).default('any').describe('Match any or all of `tags`'),
    due_from: instantSchema.optional().describe('Due at or after this instant'),
    due_to: instantSchema.optional().describe('Due before this instant'),
    overdue: boolString.optional().describe('Only open tasks whose due time has passed'),
    no_due: boolString.optional().describe('Only tasks without a due date'),
    has_reminder: boolString.optional(),
    recurring: boolString.optional(),
    q: z.string().trim().max(200).optional().describe('Search title and description; words match as prefixes ("gro" finds "groceries")'),
    sort: z
      .enum(['due', 'priority', 'title', 'created', 'updated', 'relevance'])
      .optional()
      .describe('Default: relevance when `q` is given, otherwise due'),
    order: z.enum(['asc', 'desc']).optional().describe('Default: asc for due and title, desc otherwise'),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(512).optional().describe('`next_cursor` of the previous page'),
  })
  .strict();
export type ListQueryInput = z.infer<typeof listQuery>;

/** A saved view stores the same query parameters GET /tasks takes (without paging). */
export const viewQuery = listQuery.omit({ cursor: true, limit: true }).partial().strict();
export const viewName = z.string().trim().min(1).max(60);

export const preferencesSchema = z
  .object({
    email_reminders: z.boolean().describe('Also send reminders by e-mail'),
    time_zone: timeZoneSchema.describe('Default time zone for quick-add and e-mails'),
  })
  .strict();

export const quickAddFields = {
  text: z.string().trim().min(1).max(500).describe('A quick-add line, e.g. "Pay rent every month on the 1st at 9am #home !high"'),
};

/** Either plain fields (title required) or a quick-add `text`, optionally with explicit fields that override it. */
export const createTaskBody = newTaskFieldsSchema
  .extend({ title: titleSchema.optional(), text: quickAddFields.text.optional() })
  .strict()
  .refine((b) => b.title !== undefined || b.text !== undefined, { message: 'give a title, or a quick-add text', path: ['title'] });

export const patchTaskBody = taskPatchFieldsSchema
  .extend({ version: z.number().int().positive().optional().describe('Expected current version (409 if stale)') })
  .strict();

export const versionBody = z.object({ version: z.number().int().positive().optional() }).strict().nullish();

export const parseBody = z.object({ text: quickAddFields.text, time_zone: timeZoneSchema.optional() }).strict();

/** The original surface took `{title, description}`; the richer fields are accepted too. */
export const compatCreateBody = newTaskFieldsSchema;
export const compatUpdateBody = taskPatchFieldsSchema;

// ── Responses (documentation; handlers build these shapes) ──────────────────────────
export const taskResponse = z
  .object({
    id: z.number().int(),
    user_id: z.string(),
    title: z.string(),
    description: z.string(),
    completed: z.boolean(),
    completed_at: z.string().nullable(),
    priority: z.enum(PRIORITIES),
    tags: z.array(z.string()),
    due_at: z.string().nullable(),
    time_zone: z.string(),
    reminders: z.array(z.union([z.object({ minutes_before: z.number() }), z.object({ at: z.string() })])),
    recurrence: z.object({ rule: z.string(), mode: z.enum(['due', 'completion']), summary: z.string() }).nullable(),
    series_id: z.string().nullable(),
    occurrence: z.number().int(),
    created_at: z.string(),
    updated_at: z.string(),
    version: z.number().int(),
  })
  .describe('Task');
export const taskPage = z.object({
  items: z.array(taskResponse),
  next_cursor: z.string().nullable(),
  as_of: z
    .string()
    .describe(
      'Server time the page was read at: a task created after it may be missing from the page, one created before it is in the place the sort gives it',
    ),
});
export const problemResponse = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .describe('RFC 9457 problem details');
export const tagsResponse = z.object({ items: z.array(z.object({ tag: z.string(), count: z.number(), open: z.number() })) });
export const parseResponse = z.object({
  title: z.string(),
  due_at: z.string().nullable(),
  time_zone: z.string(),
  recurrence: z.object({ rule: z.string(), mode: z.enum(['due', 'completion']), summary: z.string() }).nullable(),
  tags: z.array(z.string()),
  priority: z.enum(PRIORITIES),
  reminders: taskResponse.shape.reminders,
});

export const errorResponses = {
  400: problemResponse,
  401: problemResponse,
  404: problemResponse,
} as const;
