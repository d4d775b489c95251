/**
 * The task tools of the MCP server, for one caller. The caller is the authenticated
 * user (bearer token), never an argument: a `user_id` argument that names someone else
 * is refused before anything is read. Every tool goes through the same use cases as the
 * REST API, so its changes are validated the same way and produce the same events.
 *
 * The challenge's five tools keep their exact names, arguments and results
 * (`add_task`, `list_tasks`, `complete_task`, `delete_task`, `update_task`); the others
 * are Kairos's own (quick-add, search and filter, due/priority/tags/recurrence/reminders,
 * reopen, tags, what is due today or overdue).
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import { ListToolsRequestSchema, type CallToolResult, type ListToolsResult } from '@modelcontextprotocol/sdk/types.js';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { NotFoundError, UnprocessableError, VersionMismatchError } from '../../app/errors.js';
import type { TaskService } from '../../app/tasks.js';
import { parseQuickAdd, QuickAddError } from '../../domain/quick-add.js';
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
import { PRIORITIES, type Task, type TaskPatch } from '../../domain/types.js';
import type { Clock, ListQuery, PreferencesStore } from '../../ports/index.js';
import { presentTask } from '../present.js';

export interface TaskToolDeps {
  tasks: TaskService;
  clock: Clock;
  /** The user's time zone, when a tool is not given one. */
  preferences?: Pick<PreferencesStore, 'get'>;
  /** Trace context for the events of a change. */
  traceparent?: () => string | undefined;
}

/** A tool refused or failed in a way the model should read and explain. */
class ToolRefusal extends Error {}

const userIdArg = z
  .string()
  .max(128)
  .optional()
  .describe('Optional. The signed-in user is always the one acted for; a different user_id is refused.');
const taskIdArg = z.number().int().positive().max(2_147_483_647).describe('The task id (from list_tasks or search_tasks)');

/** The compact task shape the Kairos tools return. */
const taskShape = {
  id: z.number().int(),
  title: z.string(),
  description: z.string(),
  completed: z.boolean(),
  priority: z.enum(PRIORITIES),
  tags: z.array(z.string()),
  due_at: z.string().nullable(),
  time_zone: z.string(),
  reminders: z.array(z.union([z.object({ minutes_before: z.number() }), z.object({ at: z.string() })])),
  recurrence: z.object({ rule: z.string(), mode: z.enum(['due', 'completion']), summary: z.string() }).nullable(),
};
const taskOutput = z.object(taskShape);
type ToolTask = z.infer<typeof taskOutput>;

function compact(task: Task): ToolTask {
  const t = presentTask(task);
  return {
    id: t.id,
    title: t.title,
    description: t.description,
    completed: t.completed,
    priority: t.priority,
    tags: t.tags,
    due_at: t.due_at,
    time_zone: t.time_zone,
    reminders: t.reminders,
    recurrence: t.recurrence,
  };
}

const statusResult = {
  task_id: z.number().int(),
  status: z.enum(['created', 'completed', 'deleted', 'updated']),
  title: z.string(),
};

const statusOutput = z.object(statusResult);
const idInput = z.object({ user_id: userIdArg, task_id: taskIdArg });

/**
 * Every tool's input and output schema, built once: zod objects cost real CPU to build, and
 * a stateless server registers all its tools for every request (4 requests in a chat turn).
 */
const SCHEMAS = {
  add_task: {
    input: z.object({ user_id: userIdArg, title: titleSchema, description: descriptionSchema.optional() }),
    output: statusOutput,
  },
  list_tasks: {
    input: z.object({ user_id: userIdArg, status: z.enum(['all', 'pending', 'completed']).optional().describe('Default: all') }),
    output: z.object({ tasks: z.array(z.object({ id: z.number().int(), title: z.string(), completed: z.boolean() })) }),
  },
  update_task: {
    input: z.object({ user_id: userIdArg, task_id: taskIdArg, title: titleSchema.optional(), description: descriptionSchema.optional() }),
    output: statusOutput,
  },
  quick_add_task: {
    input: z.object({
      user_id: userIdArg,
      text: z.string().trim().min(1).max(500).describe('The line, in English quick-add grammar'),
      time_zone: timeZoneSchema.optional().describe("IANA zone for dates in the text; default: the user's"),
    }),
    output: taskOutput,
  },
  search_tasks: {
    input: z.object({
      user_id: userIdArg,
      q: z.string().trim().max(200).optional().describe('Words to search for'),
      status: z.enum(['all', 'pending', 'completed']).optional().describe('Default: all'),
      priority: z.array(z.enum(PRIORITIES)).max(4).optional(),
      tags: z.array(z.string().trim().min(1).max(32)).max(20).optional(),
      tag_mode: z.enum(['any', 'all']).optional().describe('Match any (default) or all of tags'),
      due_from: instantSchema.optional().describe('Due at or after this instant (ISO-8601 with offset)'),
      due_to: instantSchema.optional().describe('Due before this instant'),
      overdue: z.boolean().optional().describe('Only open tasks whose due time has passed'),
      no_due: z.boolean().optional(),
      has_reminder: z.boolean().optional(),
      recurring: z.boolean().optional(),
      sort: z.enum(['due', 'priority', 'title', 'created', 'updated', 'relevance']).optional(),
      order: z.enum(['asc', 'desc']).optional(),
      limit: z.number().int().min(1).max(100).optional().describe('Default 20'),
      cursor: z.string().max(512).optional().describe('next_cursor of the previous call'),
    }),
    output: z.object({ items: z.array(taskOutput), next_cursor: z.string().nullable() }),
  },
  due_tasks: {
    input: z.object({
      user_id: userIdArg,
      when: z.enum(['today', 'overdue', 'today_and_overdue']).describe('Which tasks'),
      time_zone: timeZoneSchema.optional().describe("Default: the user's"),
    }),
    output: z.object({ items: z.array(taskOutput) }),
  },
  list_tags: {
    input: z.object({ user_id: userIdArg }),
    output: z.object({ items: z.array(z.object({ tag: z.string(), count: z.number(), open: z.number() })) }),
  },
};

/** The set_* tools: one field of a task each. */
const SETTERS: Array<{ name: string; title: string; description: string; input: z.ZodObject; patch: (a: never) => TaskPatch }> = [
  {
    name: 'set_due',
    title: 'Set or clear the due date',
    description:
      'Set the due date-time (ISO-8601 with offset, e.g. 2026-04-01T17:00:00+02:00) and optionally the time zone it is meant in; due_at null clears it.',
    input: idInput.extend({ due_at: instantSchema.nullable(), time_zone: timeZoneSchema.optional() }),
    patch: (a: { due_at: string | null; time_zone?: string }) => ({
      due_at: a.due_at,
      ...(a.time_zone !== undefined ? { time_zone: a.time_zone } : {}),
    }),
  },
  {
    name: 'set_priority',
    title: 'Set the priority',
    description: 'Priority: none, low, medium or high.',
    input: idInput.extend({ priority: prioritySchema }),
    patch: (a: { priority: TaskPatch['priority'] }) => ({ priority: a.priority }),
  },
  {
    name: 'set_tags',
    title: 'Set the tags',
    description: "Replace the task's tags with this list (an empty list removes all).",
    input: idInput.extend({ tags: tagsSchema }),
    patch: (a: { tags: string[] }) => ({ tags: a.tags }),
  },
  {
    name: 'set_recurrence',
    title: 'Make a task repeat, or stop it repeating',
    description:
      'recurrence: {rule: RFC 5545 RRULE body such as "FREQ=WEEKLY;BYDAY=MO", mode: "due" | "completion"}, or null for a one-off task. The task needs a due date.',
    input: idInput.extend({ recurrence: recurrenceSchema.nullable() }),
    patch: (a: { recurrence: TaskPatch['recurrence'] }) => ({ recurrence: a.recurrence }),
  },
  {
    name: 'set_reminders',
    title: 'Set the reminders',
    description:
      'Replace the reminders: [{minutes_before: 30}] (relative to the due time, needs a due date) or [{at: "2026-04-01T08:00:00Z"}]; [] removes all.',
    input: idInput.extend({ reminders: remindersSchema }),
    patch: (a: { reminders: TaskPatch['reminders'] }) => ({ reminders: a.reminders }),
  },
];

/** The server only uses a JSON Schema validator for elicitation; one instance serves every request's server. */
const sharedValidator = new AjvJsonSchemaValidator();

function ok(structured: Record<string, unknown>, text: unknown = structured): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(text) }], structuredContent: structured };
}

function refused(message: string): CallToolResult {
  return { content: [{ type: 'text', text: message }], isError: true };
}

/** Use-case errors become tool errors the model can explain; anything else is a bug and propagates. */
function explain(err: unknown, taskId?: number): CallToolResult {
  if (err instanceof ToolRefusal) return refused(err.message);
  if (err instanceof NotFoundError) return refused(taskId === undefined ? 'Not found.' : `Task ${taskId} was not found.`);
  if (err instanceof UnprocessableError) return refused(`Not changed: ${err.message}`);
  if (err instanceof QuickAddError) return refused(`Not added: ${err.message}`);
  if (err instanceof VersionMismatchError) return refused(`Not changed: ${err.message}`);
  if (err instanceof z.ZodError)
    return refused(`Invalid arguments: ${err.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  throw err;
}

/**
 * Builds an MCP server whose tools act for `userId` only. One per request (stateless).
 * `toolList` (from `renderToolList`) answers `tools/list` without turning every schema
 * into JSON Schema again: the list is the same for every user.
 */
export function createTaskToolServer(userId: string, deps: TaskToolDeps, toolList?: ListToolsResult): McpServer {
  const server = new McpServer(
    { name: 'kairos', version: '1.0.0' },
    {
      jsonSchemaValidator: sharedValidator,
      instructions:
        'Kairos task tools. The signed-in user is the one acted for. Find a task by listing or searching before changing it; ids come from those results.',
    },
  );
  const { tasks, clock } = deps;
  const ctx = () => {
    const tp = deps.traceparent?.();
    return tp ? { traceparent: tp } : {};
  };
  const zoneOf = async (given?: string) => given ?? (await deps.preferences?.get(userId))?.time_zone ?? 'UTC';

  function checkUser(args: { user_id?: string | undefined }) {
    if (args.user_id !== undefined && args.user_id !== userId) {
      throw new ToolRefusal('Refused: user_id is not the signed-in user. Tools only act for the user whose token is used.');
    }
  }

  /** Runs a tool body; a refused user_id or a use-case error becomes an error result. */
  async function run(args: { user_id?: string | undefined; task_id?: number }, body: () => Promise<CallToolResult>) {
    try {
      checkUser(args);
      return await body();
    } catch (err) {
      return explain(err, args.task_id);
    }
  }

  const listAll = async (query: Partial<ListQuery>, max = 200) => {
    const page = await tasks.list(userId, {
      status: 'all',
      tagMode: 'any',
      sort: 'created',
      order: 'asc',
      limit: max,
      now: clock.now(),
      ...query,
    });
    return page;
  };

  // ── The challenge's five ───────────────────────────────────────────────────────
  server.registerTool(
    'add_task',
    {
      title: 'Add a task',
      description: 'Create a new task with a title and an optional description.',
      inputSchema: SCHEMAS.add_task.input,
      outputSchema: SCHEMAS.add_task.output,
      annotations: { destructiveHint: false, idempotentHint: false },
    },
    (args) =>
      run(args, async () => {
        const task = await tasks.create(userId, { title: args.title, description: args.description ?? '' }, ctx());
        return ok({ task_id: task.id, status: 'created', title: task.title });
      }),
  );

  server.registerTool(
    'list_tasks',
    {
      title: 'List tasks',
      description:
        'List the user\'s tasks, oldest first: "all", "pending" or "completed". Returns [{id, title, completed}, …] (also as structured {tasks}).',
      inputSchema: SCHEMAS.list_tasks.input,
      outputSchema: SCHEMAS.list_tasks.output,
      annotations: { readOnlyHint: true },
    },
    (args) =>
      run(args, async () => {
        const page = await listAll({ status: args.status ?? 'all' });
        const items = page.items.map((t) => ({ id: t.id, title: t.title, completed: t.completed }));
        return ok({ tasks: items }, items);
      }),
  );

  server.registerTool(
    'complete_task',
    {
      title: 'Complete a task',
      description: 'Mark a task complete. A recurring task then gets its next occurrence.',
      inputSchema: idInput,
      outputSchema: statusOutput,
      annotations: { idempotentHint: true },
    },
    (args) =>
      run(args, async () => {
        const task = await tasks.complete(userId, args.task_id, undefined, ctx());
        return ok({ task_id: task.id, status: 'completed', title: task.title });
      }),
  );

  server.registerTool(
    'delete_task',
    {
      title: 'Delete a task',
      description: 'Delete a task for good.',
      inputSchema: idInput,
      outputSchema: statusOutput,
      annotations: { destructiveHint: true },
    },
    (args) =>
      run(args, async () => {
        const task = await tasks.get(userId, args.task_id);
        await tasks.remove(userId, task.id, task.version, ctx());
        return ok({ task_id: task.id, status: 'deleted', title: task.title });
      }),
  );

  server.registerTool(
    'update_task',
    {
      title: 'Update a task',
      description: "Change a task's title and/or description.",
      inputSchema: SCHEMAS.update_task.input,
      outputSchema: SCHEMAS.update_task.output,
    },
    (args) =>
      run(args, async () => {
        const patch: TaskPatch = {};
        if (args.title !== undefined) patch.title = args.title;
        if (args.description !== undefined) patch.description = args.description;
        const task = await tasks.update(userId, args.task_id, patch, undefined, ctx());
        return ok({ task_id: task.id, status: 'updated', title: task.title });
      }),
  );

  // ── Kairos's own ───────────────────────────────────────────────────────────────
  server.registerTool(
    'quick_add_task',
    {
      title: 'Quick-add a task from one line',
      description:
        'Create a task from one line of text: due date and time, recurrence, #tags, priority (!high, !!, p1) and reminders are read from it, e.g. "Pay rent every month on the 1st at 9am #home !high" or "Buy groceries today 5pm remind me 30 minutes before". Pass the user\'s words as they are.',
      inputSchema: SCHEMAS.quick_add_task.input,
      outputSchema: SCHEMAS.quick_add_task.output,
    },
    (args) =>
      run(args, async () => {
        const parsed = parseQuickAdd(args.text, { now: clock.now(), timeZone: await zoneOf(args.time_zone) });
        const task = await tasks.create(userId, parsed, ctx());
        return ok(compact(task));
      }),
  );

  server.registerTool(
    'search_tasks',
    {
      title: 'Search and filter tasks',
      description:
        'Find tasks with the list API\'s filters: words in title/description (prefix match, "gro" finds "groceries"), status, priority, tags, due range, overdue, no due date, reminders, recurring; sorted and paged.',
      inputSchema: SCHEMAS.search_tasks.input,
      outputSchema: SCHEMAS.search_tasks.output,
      annotations: { readOnlyHint: true },
    },
    (args) =>
      run(args, async () => {
        const sort = args.sort ?? (args.q ? 'relevance' : 'due');
        const page = await tasks.list(userId, {
          status: args.status ?? 'all',
          ...(args.priority ? { priority: args.priority } : {}),
          ...(args.tags ? { tags: args.tags.map((t) => t.toLowerCase().replace(/^#/, '')) } : {}),
          tagMode: args.tag_mode ?? 'any',
          ...(args.due_from ? { dueFrom: args.due_from } : {}),
          ...(args.due_to ? { dueTo: args.due_to } : {}),
          ...(args.overdue !== undefined ? { overdue: args.overdue } : {}),
          ...(args.no_due !== undefined ? { noDue: args.no_due } : {}),
          ...(args.has_reminder !== undefined ? { hasReminder: args.has_reminder } : {}),
          ...(args.recurring !== undefined ? { recurring: args.recurring } : {}),
          ...(args.q ? { q: args.q } : {}),
          sort,
          order: args.order ?? (sort === 'due' || sort === 'title' ? 'asc' : 'desc'),
          limit: args.limit ?? 20,
          ...(args.cursor ? { cursor: args.cursor } : {}),
          now: clock.now(),
        });
        return ok({ items: page.items.map(compact), next_cursor: page.next_cursor });
      }),
  );

  server.registerTool(
    'due_tasks',
    {
      title: 'What is due today, or overdue',
      description: 'Open tasks due today (in the user\'s time zone), overdue ones, or both ("today_and_overdue").',
      inputSchema: SCHEMAS.due_tasks.input,
      outputSchema: SCHEMAS.due_tasks.output,
      annotations: { readOnlyHint: true },
    },
    (args) =>
      run(args, async () => {
        const now = clock.now();
        const today = DateTime.fromJSDate(now, { zone: await zoneOf(args.time_zone) }).startOf('day');
        const base = { status: 'pending' as const, sort: 'due' as const, order: 'asc' as const, limit: 100 };
        const items: Task[] = [];
        if (args.when !== 'today') items.push(...(await listAll({ ...base, overdue: true })).items);
        if (args.when !== 'overdue') {
          const range = { dueFrom: today.toUTC().toISO()!, dueTo: today.plus({ days: 1 }).toUTC().toISO()! };
          for (const t of (await listAll({ ...base, ...range })).items) if (!items.some((i) => i.id === t.id)) items.push(t);
        }
        return ok({ items: items.map(compact) });
      }),
  );

  server.registerTool(
    'get_task',
    {
      title: 'Get one task',
      description: 'Every field of one task.',
      inputSchema: idInput,
      outputSchema: taskOutput,
      annotations: { readOnlyHint: true },
    },
    (args) => run(args, async () => ok(compact(await tasks.get(userId, args.task_id)))),
  );

  server.registerTool(
    'reopen_task',
    {
      title: 'Reopen a task',
      description: 'Mark a completed task as not complete.',
      inputSchema: idInput,
      outputSchema: taskOutput,
    },
    (args) => run(args, async () => ok(compact(await tasks.reopen(userId, args.task_id, undefined, ctx())))),
  );

  server.registerTool(
    'list_tags',
    {
      title: 'List tags',
      description: 'Tags in use, with how many tasks have each and how many of those are open.',
      inputSchema: SCHEMAS.list_tags.input,
      outputSchema: SCHEMAS.list_tags.output,
      annotations: { readOnlyHint: true },
    },
    (args) => run(args, async () => ok({ items: await tasks.tags(userId) })),
  );

  for (const s of SETTERS) {
    server.registerTool(
      s.name,
      {
        title: s.title,
        description: s.description,
        inputSchema: s.input,
        outputSchema: taskOutput,
      },
      (input) => {
        const args = input as { user_id?: string; task_id: number }; // s.input extends idInput
        return run(args, async () => ok(compact(await tasks.update(userId, args.task_id, s.patch(args as never), undefined, ctx()))));
      },
    );
  }

  if (toolList) server.server.setRequestHandler(ListToolsRequestSchema, () => toolList);
  return server;
}

/** The tool list as `tools/list` answers it, rendered once through an in-memory client. */
export async function renderToolList(deps: TaskToolDeps): Promise<ListToolsResult> {
  const server = createTaskToolServer('', deps);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'kairos-tool-list', version: '1.0.0' });
  await server.connect(serverSide);
  await client.connect(clientSide);
  try {
    return await client.listTools();
  } finally {
    await client.close();
    await server.close();
  }
}

/** The names of every tool, in registration order (the agent and its tests check them). */
export const TASK_TOOL_NAMES = [
  'add_task',
  'list_tasks',
  'complete_task',
  'delete_task',
  'update_task',
  'quick_add_task',
  'search_tasks',
  'due_tasks',
  'get_task',
  'reopen_task',
  'list_tags',
  'set_due',
  'set_priority',
  'set_tags',
  'set_recurrence',
  'set_reminders',
] as const;
