/**
 * Task ids reserved in blocks. `tasks_id_seq` counts in steps of its increment (32 since
 * drizzle/0004_task_id_blocks.sql), and each `nextval` hands this process the whole
 * block up to the next step. So a create knows its task's id before it writes, which is
 * what lets the task and the events that name it go to the database as one statement
 * (createUnitOfWork's createTask): one round trip, atomic without a transaction.
 *
 * Blocks are disjoint across processes — an insert that takes the column default uses
 * one block's first id and leaves the rest unused — so ids stay unique; they are no
 * longer dense or in creation order across replicas (lists order by their own keys,
 * with id only as the tie-break).
 */
import type { SqlRunner } from './sql-runner.js';

// The block size is the sequence's own increment, read with the block, so the two cannot disagree.
const RESERVE = `select nextval('tasks_id_seq')::text as first,
  (select increment_by from pg_sequences where schemaname = current_schema() and sequencename = 'tasks_id_seq')::text as size`;

export function taskIdBlocks(sql: SqlRunner): () => Promise<number> {
  let next = 0;
  let end = 0;
  let reserving: Promise<void> | undefined;
  const reserve = async () => {
    const [block] = await sql.query<{ first: string; size: string | null }>(RESERVE);
    next = Number(block!.first);
    end = next + Math.max(1, Number(block!.size ?? 1));
  };
  return async () => {
    while (next >= end) {
      // one reservation at a time; creates arriving meanwhile wait for it and share its block
      reserving ??= reserve().finally(() => (reserving = undefined));
      await reserving;
    }
    return next++;
  };
}
