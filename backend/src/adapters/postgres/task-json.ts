/**
 * The API's task JSON, rendered by PostgreSQL. Every read path (get, list, and the
 * RETURNING of insert/update/delete) selects this one expression, so they cannot drift
 * apart, and the list can hand the database's text straight to the HTTP response
 * without mapping rows to objects, parsing timestamps or re-stringifying.
 *
 * It must produce exactly what the Task type describes, in its key order:
 * - timestamps as Date#toISOString does: UTC, milliseconds (truncated, like node-pg's
 *   Date parsing), `Z`;
 * - priority as its name (the column stores 0 none … 3 high, see PRIORITIES);
 * - recurrence `{rule, mode, summary}` or null; the summary is stored in
 *   `recurrence_summary`, computed on write from the domain's describeRecurrence;
 * test/api compares get, list and write responses with each other.
 */
import { describeRecurrence } from '../../domain/recurrence.js';
import type { Recurrence } from '../../domain/types.js';
import type { SqlRunner } from './sql-runner.js';

/** ISO-8601 text of a timestamptz column, or null. to_char does not depend on DateStyle or TimeZone. */
const iso = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const isoOrNull = (column: string) => `coalesce('"' || ${iso(column)} || '"', 'null')`;
/** A JSON string, escaped by PostgreSQL (titles and descriptions are user text). */
const str = (column: string) => `to_json(${column})::text`;

/**
 * The JSON text of the task in the current row (unqualified columns of `tasks`).
 *
 * Concatenated by hand rather than with json_build_object: on PostgreSQL 15 that costs
 * about twice as much per row (it works out each argument's type on every call), and
 * a page has 50 rows. Every nullable piece is coalesced, since `||` with NULL is NULL.
 * test/api/task-json.test.ts checks it against JSON.stringify of the same task.
 */
export const TASK_JSON = `('{"id":' || id
  || ',"user_id":' || ${str('user_id')}
  || ',"title":' || ${str('title')}
  || ',"description":' || ${str('description')}
  || ',"completed":' || case when completed then 'true' else 'false' end
  || ',"completed_at":' || ${isoOrNull('completed_at')}
  || ',"priority":"' || coalesce((array['none','low','medium','high'])[priority + 1], 'none') || '"'
  || ',"tags":' || array_to_json(tags)::text
  || ',"due_at":' || ${isoOrNull('due_at')}
  || ',"time_zone":' || ${str('time_zone')}
  || ',"reminders":' || reminders::text
  || ',"recurrence":' || case when recurrence_rule is null then 'null' else
       '{"rule":' || ${str('recurrence_rule')}
       || ',"mode":' || case when recurrence_mode = 'completion' then '"completion"' else '"due"' end
       || ',"summary":' || coalesce(${str('recurrence_summary')}, 'null') || '}' end
  || ',"series_id":' || coalesce('"' || series_id::text || '"', 'null')
  || ',"occurrence":' || occurrence::text
  || ',"created_at":"' || ${iso('created_at')} || '"'
  || ',"updated_at":"' || ${iso('updated_at')} || '"'
  || ',"version":' || version::text
  || '}')`;

/** The value stored in `recurrence_summary` for a rule (null when not recurring). */
export function recurrenceSummary(rec: Recurrence | null | undefined): string | null {
  if (!rec) return null;
  try {
    return describeRecurrence(rec);
  } catch {
    return rec.rule; // rules are validated on write; never fail a write over a description
  }
}

/**
 * Rows written before `recurrence_summary` existed get theirs once, after migrating
 * (the summary is computed in TypeScript, so a SQL migration cannot fill it in).
 */
export async function backfillRecurrenceSummaries(db: SqlRunner): Promise<void> {
  for (;;) {
    const rows = await db.query<{ id: number; rule: string; mode: string | null }>(
      `select id, recurrence_rule as rule, recurrence_mode as mode from tasks
       where recurrence_rule is not null and recurrence_summary is null limit 500`,
    );
    if (rows.length === 0) return;
    for (const r of rows) {
      const summary = recurrenceSummary({ rule: r.rule, mode: r.mode === 'completion' ? 'completion' : 'due' });
      await db.query('update tasks set recurrence_summary = $2 where id = $1', [r.id, summary]);
    }
  }
}
