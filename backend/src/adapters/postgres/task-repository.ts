/**
 * TaskRepository in plain SQL: every statement is scoped to the owner's user id.
 *
 * The statements are written as text rather than with Drizzle's query builder: these
 * are the API's hot paths, building a query with Drizzle cost more CPU than running it,
 * and fixed texts become prepared statements on PostgreSQL (see SqlRunner in db.ts).
 * Every statement returns the task as the JSON text PostgreSQL renders (task-json.ts);
 * the list hands that text to the HTTP layer as is (Page.itemsJson).
 */
import type { ListQuery, NewTaskRow, Page, TagCount, TaskChange, TaskRepository } from '../../ports/index.js';
import type { Task } from '../../domain/types.js';
import { sqlRunner, type Db } from './db.js';
import { after, decodeCursor, encodeCursor, orderBy, type SortKey } from './keyset.js';
import { priorityToDb } from './task-mapper.js';
import { TASK_JSON, recurrenceSummary } from './task-json.js';

/** "buy gro" → `buy:* & gro:*`: every word must match, each as a prefix, so typing finds as you go. */
export function prefixTsQuery(q: string): string | null {
  const words = q.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  if (words.length === 0) return null;
  return words
    .slice(0, 16)
    .map((w) => `${w}:*`)
    .join(' & ');
}

/** Collects bind parameters; `add` returns the placeholder. */
class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** Timestamps are normalised in JS (as the API always parsed them) and sent as ISO text. */
const isoParam = (value: string | Date): string => new Date(value).toISOString();

/**
 * Sort keys per sort; `id` is the stable tie-break. Tasks without a due date sort after
 * dated ones in either direction (NULLS LAST), which the (user, due_at, id) index
 * serves for the default "due ascending" list.
 */
function sortKeys(query: ListQuery, tsQuery: string | null): SortKey[] {
  const dir = query.order;
  const id: SortKey = { expr: 'id', dir, cast: 'int' };
  const due: SortKey = { expr: 'due_at', dir, cast: 'timestamptz', nullsLast: true };
  switch (query.sort) {
    case 'due':
      return [due, id];
    case 'priority':
      return [
        { expr: 'priority', dir, cast: 'smallint' },
        { ...due, dir: 'asc' },
        { ...id, dir: 'asc' },
      ];
    case 'title':
      return [{ expr: 'lower(title)', dir, cast: 'text' }, id];
    case 'created':
      return [{ expr: 'created_at', dir, cast: 'timestamptz' }, id];
    case 'updated':
      return [{ expr: 'updated_at', dir, cast: 'timestamptz' }, id];
    case 'relevance':
      if (!tsQuery)
        return [
          { expr: 'updated_at', dir: 'desc', cast: 'timestamptz' },
          { ...id, dir: 'desc' },
        ];
      return [
        { expr: `ts_rank(search, ${tsQuery})::real`, dir: 'desc', cast: 'real' },
        { ...id, dir: 'desc' },
      ];
  }
}

function filters(q: ListQuery, p: Params, tsQuery: string | null): string[] {
  const conds = [`user_id = $1`]; // $1 is always the owner
  if (q.status === 'pending') conds.push('completed = false');
  if (q.status === 'completed') conds.push('completed = true');
  if (q.priority?.length) conds.push(`priority = any(${p.add(q.priority.map(priorityToDb))}::smallint[])`);
  if (q.tags?.length) conds.push(`tags ${q.tagMode === 'all' ? '@>' : '&&'} ${p.add(q.tags)}::text[]`);
  if (q.dueFrom) conds.push(`due_at >= ${p.add(isoParam(q.dueFrom))}::timestamptz`);
  if (q.dueTo) conds.push(`due_at < ${p.add(isoParam(q.dueTo))}::timestamptz`);
  if (q.overdue) conds.push(`(completed = false and due_at < ${p.add(isoParam(q.now))}::timestamptz)`);
  if (q.noDue) conds.push('due_at is null');
  if (q.hasReminder !== undefined) conds.push(q.hasReminder ? 'has_reminder = true' : 'has_reminder = false');
  if (q.recurring !== undefined) conds.push(q.recurring ? 'recurrence_rule is not null' : 'recurrence_rule is null');
  if (tsQuery) conds.push(`search @@ ${tsQuery}`);
  return conds;
}

export type JsonRow = { j: string };
const parse = (row: JsonRow | undefined): Task | null => (row ? (JSON.parse(row.j) as Task) : null);

/**
 * A page whose items stay JSON text until someone reads `items`.
 *
 * A class, not an object literal with `get items()`, whose getter is a new closure over the
 * page's text for every page: built that way, every page (~20 kB) outlived V8's young-
 * generation collections and was promoted to the old generation — 18 kB promoted and
 * three to four times the scavenging per list request, then major collections to free it
 * (docs/performance.md). With the getter on the prototype a page dies young like the rest
 * of a request's data.
 */
class RenderedPage implements Page<Task> {
  #items: Task[] | undefined;
  constructor(
    readonly itemsJson: string,
    readonly next_cursor: string | null,
  ) {}
  get items(): Task[] {
    return (this.#items ??= JSON.parse(this.itemsJson) as Task[]);
  }
}

const INSERT_COLUMNS = `user_id, title, description, priority, tags, due_at, time_zone, reminders, has_reminder,
    recurrence_rule, recurrence_mode, recurrence_summary, series_id, occurrence`;
const INSERT_VALUES = `$1, $2, $3, $4, $5::text[], $6::timestamptz, $7, $8::text::jsonb, $9, $10, $11, $12, $13::uuid, $14`;
const INSERT = `insert into tasks (${INSERT_COLUMNS}) values (${INSERT_VALUES}) returning ${TASK_JSON} as j`;
/** The insert with a reserved id as $15 (see task-ids.ts), for a statement that goes on from it. */
export const INSERT_WITH_ID = `insert into tasks (${INSERT_COLUMNS}, id) values (${INSERT_VALUES}, $15) returning ${TASK_JSON} as j`;

/**
 * Many tasks of one owner (an import), each with a reserved id: the rows travel as one JSON
 * array, so the statement's text is the same for any number of them, and a batch costs one
 * round trip instead of one or two per task (on PGlite, whose one connection the import's
 * transaction holds, that was every other request's wait too).
 */
const INSERT_MANY = `insert into tasks (${INSERT_COLUMNS}, completed, completed_at, id)
  select $1, r.title, r.description, r.priority, r.tags, r.due_at, r.time_zone, r.reminders, r.has_reminder,
         r.recurrence_rule, r.recurrence_mode, r.recurrence_summary, r.series_id, r.occurrence, r.completed, r.completed_at, r.id
  from jsonb_to_recordset($2::text::jsonb) as r(title text, description text, priority smallint, tags text[],
    due_at timestamptz, time_zone text, reminders jsonb, has_reminder boolean, recurrence_rule text, recurrence_mode text,
    recurrence_summary text, series_id uuid, occurrence int, completed boolean, completed_at timestamptz, id int)
  returning ${TASK_JSON} as j`;

/** $1…$14 of INSERT and INSERT_WITH_ID. */
export function insertValues(userId: string, t: NewTaskRow): unknown[] {
  return [
    userId,
    t.title,
    t.description,
    priorityToDb(t.priority),
    t.tags,
    t.due_at ? isoParam(t.due_at) : null,
    t.time_zone,
    JSON.stringify(t.reminders),
    t.reminders.length > 0,
    t.recurrence?.rule ?? null,
    t.recurrence?.mode ?? null,
    recurrenceSummary(t.recurrence),
    t.series_id,
    t.occurrence,
  ];
}
const GET = `select ${TASK_JSON} as j from tasks where user_id = $1 and id = $2`;
/** The keys travel as one JSON array, so the statement's text is the same for any number. */
const GET_MANY = `select t.${TASK_JSON} as j from tasks t
  join jsonb_to_recordset($1::text::jsonb) as k(user_id text, id int) on t.user_id = k.user_id and t.id = k.id`;
const FIND_OCCURRENCE = `select ${TASK_JSON} as j from tasks where user_id = $1 and series_id = $2::uuid and occurrence = $3 limit 1`;
const TAGS = `select tag, count(*)::int as count, count(*) filter (where not completed)::int as open
  from tasks, unnest(tags) as tag where user_id = $1
  group by tag order by count(*) desc, tag asc`;

/**
 * The update of one task (only the fields the patch names; version bumped) as text and
 * parameters, returning the stored JSON as `j`; with `expectedVersion`, only if the task
 * is still at that version. Used alone and inside the unit of work's one-statement update.
 */
export function updateStatement(userId: string, id: number, patch: TaskChange, expectedVersion?: number) {
  const p = new Params();
  p.add(userId);
  p.add(id);
  const set = ['updated_at = now()', 'version = version + 1'];
  const assign = (column: string, value: unknown, cast = '') => set.push(`${column} = ${p.add(value)}${cast}`);
  if (patch.title !== undefined) assign('title', patch.title);
  if (patch.description !== undefined) assign('description', patch.description);
  if (patch.priority !== undefined) assign('priority', priorityToDb(patch.priority));
  if (patch.tags !== undefined) assign('tags', patch.tags, '::text[]');
  if (patch.due_at !== undefined) assign('due_at', patch.due_at ? isoParam(patch.due_at) : null, '::timestamptz');
  if (patch.time_zone !== undefined) assign('time_zone', patch.time_zone);
  if (patch.reminders !== undefined) {
    assign('reminders', JSON.stringify(patch.reminders), '::text::jsonb');
    assign('has_reminder', patch.reminders.length > 0);
  }
  if (patch.recurrence !== undefined) {
    assign('recurrence_rule', patch.recurrence?.rule ?? null);
    assign('recurrence_mode', patch.recurrence?.mode ?? null);
    assign('recurrence_summary', recurrenceSummary(patch.recurrence));
  }
  if (patch.completed !== undefined) assign('completed', patch.completed);
  if (patch.completed_at !== undefined) assign('completed_at', patch.completed_at ? isoParam(patch.completed_at) : null, '::timestamptz');
  if ('series_id' in patch) assign('series_id', patch.series_id, '::uuid');
  const versionCheck = expectedVersion === undefined ? '' : ` and version = ${p.add(expectedVersion)}`;
  return {
    text: `update tasks set ${set.join(', ')} where user_id = $1 and id = $2${versionCheck} returning ${TASK_JSON} as j`,
    values: p.values,
  };
}

/**
 * `nextId`, when given, hands out task ids from reserved blocks (task-ids.ts) and `insert`
 * uses them; without it an insert takes the column default, which uses up a whole block.
 */
export function createTaskRepository(db: Db, opts: { nextId?: () => Promise<number> } = {}): TaskRepository {
  const sql = sqlRunner(db);
  const get = async (userId: string, id: number) => parse((await sql.query<JsonRow>(GET, [userId, id]))[0]);

  return {
    get,

    async getMany(keys) {
      if (keys.length === 0) return [];
      const rows = await sql.query<JsonRow>(GET_MANY, [JSON.stringify(keys.map((k) => ({ user_id: k.userId, id: k.id })))]);
      return rows.map((r) => JSON.parse(r.j) as Task);
    },

    async list(userId, query): Promise<Page<Task>> {
      const p = new Params();
      p.add(userId);
      const text = query.q ? prefixTsQuery(query.q) : null;
      // A scalar subquery (an InitPlan): the query is parsed once per execution. Written as
      // `to_tsquery(…, $n)`, a prepared statement's generic plan (what runs after its first
      // executions) evaluated it again for every matching row, in the recheck and in the
      // rank — half of a search's execution time.
      const tsQuery = text ? `(select to_tsquery('simple', ${p.add(text)}))` : null;
      const keys = sortKeys(query, tsQuery);
      const signature = `${query.sort}:${query.order}:${text ?? ''}`;
      const where = filters(query, p, tsQuery);
      if (query.cursor) where.push(after(keys, decodeCursor(query.cursor, signature, keys.length), (v) => p.add(v)));
      // The cursor needs the sort keys of one row, the page's last (row number `limit`): only
      // that row carries them (the others' are NULL, which costs the driver nothing to read),
      // instead of two or three more text fields decoded and kept for each of the 51 rows. The
      // numbering runs over the page the inner query picked, so that query keeps its plan
      // (an index scan, or a top-N sort for relevance) and the outer one adds no sort.
      // Key values travel as PostgreSQL's own text form, so timestamps keep their microseconds.
      const boundary = p.add(query.limit);
      const pageKeys = keys.map((k, i) => ({ ...k, expr: `r${i}` }));
      const rows = await sql.query<JsonRow & Record<string, string | null>>(
        `select j, ${keys.map((_, i) => `case when row_number() over w = ${boundary} then r${i}::text end as k${i}`).join(', ')}
         from (select ${TASK_JSON} as j, ${keys.map((k, i) => `${k.expr} as r${i}`).join(', ')} from tasks
               where ${where.join(' and ')} order by ${orderBy(keys)} limit ${p.add(query.limit + 1)}) page
         window w as (order by ${orderBy(pageKeys)}) order by ${orderBy(pageKeys)}`,
        p.values,
      );
      const hasMore = rows.length > query.limit;
      const page = hasMore ? rows.slice(0, query.limit) : rows;
      const last = page.at(-1);
      const nextCursor =
        hasMore && last
          ? encodeCursor(
              signature,
              keys.map((_, i) => last[`k${i}`] ?? null),
            )
          : null;
      return new RenderedPage(`[${page.map((r) => r.j).join(',')}]`, nextCursor);
    },

    async tags(userId): Promise<TagCount[]> {
      return sql.query<TagCount>(TAGS, [userId]);
    },

    async insert(userId, t) {
      const rows = opts.nextId
        ? await sql.query<JsonRow>(INSERT_WITH_ID, [...insertValues(userId, t), await opts.nextId()])
        : await sql.query<JsonRow>(INSERT, insertValues(userId, t));
      return parse(rows[0])!;
    },

    async insertMany(userId, tasks) {
      if (tasks.length === 0) return [];
      if (!opts.nextId) throw new Error('insertMany needs reserved task ids: use it inside a unit of work');
      const rows = [];
      for (const t of tasks) {
        rows.push({
          title: t.title,
          description: t.description,
          priority: priorityToDb(t.priority),
          tags: t.tags,
          due_at: t.due_at ? isoParam(t.due_at) : null,
          time_zone: t.time_zone,
          reminders: t.reminders,
          has_reminder: t.reminders.length > 0,
          recurrence_rule: t.recurrence?.rule ?? null,
          recurrence_mode: t.recurrence?.mode ?? null,
          recurrence_summary: recurrenceSummary(t.recurrence),
          series_id: t.series_id,
          occurrence: t.occurrence,
          completed: t.completed,
          completed_at: t.completed && t.completed_at ? isoParam(t.completed_at) : null,
          id: await opts.nextId(),
        });
      }
      const byId = new Map<number, Task>();
      for (const r of await sql.query<JsonRow>(INSERT_MANY, [userId, JSON.stringify(rows)])) {
        const task = JSON.parse(r.j) as Task;
        byId.set(task.id, task);
      }
      return rows.map((r) => byId.get(r.id)!);
    },

    async update(userId, id, patch, expectedVersion) {
      const { text, values } = updateStatement(userId, id, patch, expectedVersion);
      const row = parse((await sql.query<JsonRow>(text, values))[0]);
      if (row) return row;
      return (await get(userId, id)) ? 'version_mismatch' : 'not_found';
    },

    async delete(userId, id, expectedVersion) {
      const versionCheck = expectedVersion === undefined ? '' : ' and version = $3';
      const params = expectedVersion === undefined ? [userId, id] : [userId, id, expectedVersion];
      const rows = await sql.query<JsonRow>(
        `delete from tasks where user_id = $1 and id = $2${versionCheck} returning ${TASK_JSON} as j`,
        params,
      );
      const row = parse(rows[0]);
      if (row) return row;
      return (await get(userId, id)) ? 'version_mismatch' : 'not_found';
    },

    async findOccurrence(userId, seriesId, occurrence) {
      return parse((await sql.query<JsonRow>(FIND_OCCURRENCE, [userId, seriesId, occurrence]))[0]);
    },
  };
}
