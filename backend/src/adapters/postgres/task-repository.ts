/** TaskRepository on Drizzle: every statement is scoped to the owner's user id. */
import { and, arrayContains, arrayOverlaps, eq, getTableColumns, inArray, isNotNull, isNull, lt, gte, sql, type SQL } from 'drizzle-orm';
import type { ListQuery, Page, TagCount, TaskRepository } from '../../ports/index.js';
import type { Task } from '../../domain/types.js';
import type { Db } from './db.js';
import { tasks } from './schema.js';
import { after, decodeCursor, encodeCursor, orderBy, type SortKey } from './keyset.js';
import { priorityToDb, rowToTask, type TaskRow } from './task-mapper.js';

const { search: _search, ...taskColumns } = getTableColumns(tasks);

/** "buy gro" → `buy:* & gro:*`: every word must match, each as a prefix, so typing finds as you go. */
export function prefixTsQuery(q: string): string | null {
  const words = q.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  if (words.length === 0) return null;
  return words.slice(0, 16).map((w) => `${w}:*`).join(' & ');
}

function sortKeys(query: ListQuery, tsQuery: SQL | null): SortKey[] {
  const dir = query.order;
  const id: SortKey = { expr: sql`${tasks.id}`, dir, cast: 'int' };
  // Tasks without a due date sort after dated ones in either direction.
  const dueKeys: SortKey[] = [
    { expr: sql`(${tasks.dueAt} is null)`, dir: 'asc', cast: 'boolean' },
    { expr: sql`coalesce(${tasks.dueAt}, 'epoch'::timestamptz)`, dir, cast: 'timestamptz' },
  ];
  switch (query.sort) {
    case 'due':
      return [...dueKeys, id];
    case 'priority':
      return [{ expr: sql`${tasks.priority}`, dir, cast: 'smallint' }, ...dueKeys.map((k) => ({ ...k, dir: k.cast === 'boolean' ? k.dir : ('asc' as const) })), { ...id, dir: 'asc' }];
    case 'title':
      return [{ expr: sql`lower(${tasks.title})`, dir, cast: 'text' }, id];
    case 'created':
      return [{ expr: sql`${tasks.createdAt}`, dir, cast: 'timestamptz' }, id];
    case 'updated':
      return [{ expr: sql`${tasks.updatedAt}`, dir, cast: 'timestamptz' }, id];
    case 'relevance':
      if (!tsQuery) return [{ expr: sql`${tasks.updatedAt}`, dir: 'desc', cast: 'timestamptz' }, { ...id, dir: 'desc' }];
      return [{ expr: sql`ts_rank(${tasks.search}, ${tsQuery})::real`, dir: 'desc', cast: 'real' }, { ...id, dir: 'desc' }];
  }
}

function filters(userId: string, q: ListQuery, tsQuery: SQL | null): SQL {
  const conds: (SQL | undefined)[] = [eq(tasks.userId, userId)];
  if (q.status === 'pending') conds.push(eq(tasks.completed, false));
  if (q.status === 'completed') conds.push(eq(tasks.completed, true));
  if (q.priority?.length) conds.push(inArray(tasks.priority, q.priority.map(priorityToDb)));
  if (q.tags?.length) conds.push(q.tagMode === 'all' ? arrayContains(tasks.tags, q.tags) : arrayOverlaps(tasks.tags, q.tags));
  if (q.dueFrom) conds.push(gte(tasks.dueAt, new Date(q.dueFrom)));
  if (q.dueTo) conds.push(lt(tasks.dueAt, new Date(q.dueTo)));
  if (q.overdue) conds.push(and(eq(tasks.completed, false), lt(tasks.dueAt, q.now)));
  if (q.noDue) conds.push(isNull(tasks.dueAt));
  if (q.hasReminder !== undefined) conds.push(eq(tasks.hasReminder, q.hasReminder));
  if (q.recurring !== undefined) conds.push(q.recurring ? isNotNull(tasks.recurrenceRule) : isNull(tasks.recurrenceRule));
  if (tsQuery) conds.push(sql`${tasks.search} @@ ${tsQuery}`);
  return and(...conds)!;
}

export function createTaskRepository(db: Db): TaskRepository {
  return {
    async get(userId, id) {
      const rows = await db.select(taskColumns).from(tasks).where(and(eq(tasks.userId, userId), eq(tasks.id, id))).limit(1);
      return rows[0] ? rowToTask(rows[0]) : null;
    },

    async list(userId, query): Promise<Page<Task>> {
      const text = query.q ? prefixTsQuery(query.q) : null;
      const tsQuery = text ? sql`to_tsquery('simple', ${text})` : null;
      const keys = sortKeys(query, tsQuery);
      const signature = `${query.sort}:${query.order}:${text ?? ''}`;
      let where = filters(userId, query, tsQuery);
      if (query.cursor) where = and(where, after(keys, decodeCursor(query.cursor, signature, keys.length)))!;
      // Key values travel as PostgreSQL's own text form, so timestamps keep their microseconds.
      const keyColumns = Object.fromEntries(keys.map((k, i) => [`k${i}`, sql<string>`(${k.expr})::text`]));
      const rows = (await db
        .select({ ...taskColumns, ...keyColumns })
        .from(tasks)
        .where(where)
        .orderBy(orderBy(keys))
        .limit(query.limit + 1)) as (TaskRow & Record<string, unknown>)[];
      const hasMore = rows.length > query.limit;
      const page = hasMore ? rows.slice(0, query.limit) : rows;
      const last = page.at(-1);
      return {
        items: page.map(rowToTask),
        next_cursor: hasMore && last ? encodeCursor(signature, keys.map((_, i) => normaliseKey(last[`k${i}`]))) : null,
      };
    },

    async tags(userId): Promise<TagCount[]> {
      const rows = await db.execute<{ tag: string; count: number; open: number }>(sql`
        select tag, count(*)::int as count, count(*) filter (where not completed)::int as open
        from ${tasks}, unnest(${tasks.tags}) as tag
        where ${tasks.userId} = ${userId}
        group by tag order by count(*) desc, tag asc`);
      return rowsOf(rows);
    },

    async insert(userId, t) {
      const [row] = await db
        .insert(tasks)
        .values({
          userId,
          title: t.title,
          description: t.description,
          priority: priorityToDb(t.priority),
          tags: t.tags,
          dueAt: t.due_at ? new Date(t.due_at) : null,
          timeZone: t.time_zone,
          reminders: t.reminders,
          hasReminder: t.reminders.length > 0,
          recurrenceRule: t.recurrence?.rule ?? null,
          recurrenceMode: t.recurrence?.mode ?? null,
          seriesId: t.series_id,
          occurrence: t.occurrence,
        })
        .returning(taskColumns);
      return rowToTask(row!);
    },

    async update(userId, id, patch, expectedVersion) {
      const set: Partial<typeof tasks.$inferInsert> & Record<string, unknown> = {
        updatedAt: sql`now()` as unknown as Date,
        version: sql`${tasks.version} + 1` as unknown as number,
      };
      if (patch.title !== undefined) set.title = patch.title;
      if (patch.description !== undefined) set.description = patch.description;
      if (patch.priority !== undefined) set.priority = priorityToDb(patch.priority);
      if (patch.tags !== undefined) set.tags = patch.tags;
      if (patch.due_at !== undefined) set.dueAt = patch.due_at ? new Date(patch.due_at) : null;
      if (patch.time_zone !== undefined) set.timeZone = patch.time_zone;
      if (patch.reminders !== undefined) {
        set.reminders = patch.reminders;
        set.hasReminder = patch.reminders.length > 0;
      }
      if (patch.recurrence !== undefined) {
        set.recurrenceRule = patch.recurrence?.rule ?? null;
        set.recurrenceMode = patch.recurrence?.mode ?? null;
      }
      if (patch.completed !== undefined) set.completed = patch.completed;
      if (patch.completed_at !== undefined) set.completedAt = patch.completed_at ? new Date(patch.completed_at) : null;
      if ('series_id' in patch) set.seriesId = (patch as { series_id: string | null }).series_id;
      const scope = and(eq(tasks.userId, userId), eq(tasks.id, id), expectedVersion === undefined ? undefined : eq(tasks.version, expectedVersion));
      const [row] = await db.update(tasks).set(set).where(scope).returning(taskColumns);
      if (row) return rowToTask(row);
      return (await this.get(userId, id)) ? 'version_mismatch' : 'not_found';
    },

    async delete(userId, id, expectedVersion) {
      const scope = and(eq(tasks.userId, userId), eq(tasks.id, id), expectedVersion === undefined ? undefined : eq(tasks.version, expectedVersion));
      const [row] = await db.delete(tasks).where(scope).returning(taskColumns);
      if (row) return rowToTask(row);
      return (await this.get(userId, id)) ? 'version_mismatch' : 'not_found';
    },

    async findOccurrence(userId, seriesId, occurrence) {
      const rows = await db
        .select(taskColumns)
        .from(tasks)
        .where(and(eq(tasks.userId, userId), eq(tasks.seriesId, seriesId), eq(tasks.occurrence, occurrence)))
        .limit(1);
      return rows[0] ? rowToTask(rows[0]) : null;
    },
  };
}

/** Cursor values are strings as PostgreSQL printed them (timestamps keep microseconds). */
function normaliseKey(v: unknown): unknown {
  return v === null || v === undefined ? null : String(v);
}

/** node-postgres returns `{ rows }`, PGlite returns `{ rows }` too, but typed differently. */
export function rowsOf<T>(result: unknown): T[] {
  return ((result as { rows?: T[] }).rows ?? (result as T[])) as T[];
}
