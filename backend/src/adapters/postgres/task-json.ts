/**
 * The API's task JSON, rendered by PostgreSQL. Every write renders it into the row
 * (`tasks.api_json`, by the trigger and the function task_api_json in
 * drizzle/0003_task_api_json.sql, which says what it must produce), and every read path
 * (get, list, and the RETURNING of insert/update/delete) selects that column. So the
 * paths cannot drift apart, and the list hands the stored text straight to the HTTP
 * response: no rendering per read, no mapping rows to objects, no re-stringifying.
 * test/api/task-json.test.ts compares get, list and write responses with JSON.stringify.
 *
 * The recurrence summary is the one piece computed in TypeScript (describeRecurrence):
 * the repository stores it in `recurrence_summary` on write, and the function reads it.
 */
import { describeRecurrence } from '../../domain/recurrence.js';
import type { Recurrence } from '../../domain/types.js';
import type { SqlRunner } from './sql-runner.js';

/** The column every read path selects. */
export const TASK_JSON = 'api_json';

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
