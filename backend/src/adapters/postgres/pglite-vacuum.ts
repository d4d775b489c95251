/**
 * What autovacuum does on PostgreSQL, for the embedded database. PGlite runs PostgreSQL in
 * single-user mode: no autovacuum, and its activity counters stay at zero, so nothing ever
 * reclaims deleted rows (the outbox's sent rows after retention, superseded versions of
 * updated tasks) or gathers the planner's statistics. Inserting and deleting 160,000
 * outbox-sized rows grew a data folder to 86 MB; with a `vacuum analyze` after each 20,000,
 * 23 MB (each took 80 ms). So every table is vacuumed and analyzed on a timer —
 * first a minute after start, so start-up stays fast, then every `everyMs`. (The first
 * analyze also lets the database cache generic plans: `PreparedPGlite.statisticsGathered`.)
 */
import type { PGlite } from '@electric-sql/pglite';

export const VACUUM_EVERY_MS = 3_600_000;
const FIRST_AFTER_MS = 60_000;

export interface VacuumReport {
  ms: number;
  error?: unknown;
}

/** Every table of the database's own schemas, as `schema.table`. */
const TABLES = `select format('%I.%I', n.nspname, c.relname) as name from pg_class c
  join pg_namespace n on n.oid = c.relnamespace
  where c.relkind in ('r', 'm') and n.nspname <> 'information_schema' and n.nspname not like 'pg\\_%'`;

/**
 * Table by table, with a turn of the event loop between them: PGlite runs a statement
 * synchronously on the server's thread, so requests wait for one table's vacuum at a time
 * rather than the whole database's. The system catalogs are left out (Kairos runs no DDL
 * after its migrations; they took 60–75 ms of every whole-database run). With 10,000
 * deleted outbox rows: longest pause 59 ms (the outbox), all tables 74 ms; the whole
 * database in one statement, 114–150 ms.
 */
async function vacuumEachTable(client: Pick<PGlite, 'exec'>): Promise<void> {
  const [tables] = await client.exec(TABLES);
  for (const { name } of (tables?.rows ?? []) as Array<{ name: string }>) {
    await new Promise((resolve) => setImmediate(resolve));
    await client.exec(`vacuum analyze ${name}`);
  }
}

/** Starts the timer; returns its stop, which waits for a vacuum under way. */
export function startPgliteVacuum(
  client: Pick<PGlite, 'exec'>,
  opts: { everyMs?: number; firstAfterMs?: number; onRun?: (report: VacuumReport) => void } = {},
): () => Promise<void> {
  const everyMs = opts.everyMs ?? VACUUM_EVERY_MS;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  const schedule = (ms: number) => {
    timer = setTimeout(() => {
      const t0 = performance.now();
      running = vacuumEachTable(client).then(
        () => opts.onRun?.({ ms: performance.now() - t0 }),
        (error: unknown) => opts.onRun?.({ ms: performance.now() - t0, error }),
      );
      void running.then(() => {
        running = undefined;
        if (!stopped) schedule(everyMs);
      });
    }, ms);
    timer.unref();
  };
  schedule(opts.firstAfterMs ?? FIRST_AFTER_MS);
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await running;
  };
}
