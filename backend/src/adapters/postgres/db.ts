/**
 * Opens the database: PostgreSQL when DATABASE_URL is set, otherwise PGlite (real
 * PostgreSQL compiled to WebAssembly) in a data folder. Both give the same Drizzle
 * API, so everything above this file is driver-agnostic.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import pg from 'pg';
import * as schema from './schema.js';
import type { SqlRunner } from './sql-runner.js';
import { PreparedPGlite } from './pglite-prepared.js';
import { startPgliteVacuum, type VacuumReport } from './pglite-vacuum.js';
import { lockDataDir } from './data-dir-lock.js';
import { backfillRecurrenceSummaries } from './task-json.js';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export type { SqlRunner };

const runners = new WeakMap<object, SqlRunner>();

/**
 * The SqlRunner behind a Drizzle handle: the database itself, or a transaction from
 * `db.transaction()` — then the statement runs on that transaction's connection. Drizzle
 * keeps that connection as `session.client` (a pg PoolClient, or PGlite's transaction);
 * it is not public API, hence the check, and the result is cached per handle.
 */
export function sqlRunner(db: Db): SqlRunner {
  const known = runners.get(db);
  if (known) return known;
  const client = (db as unknown as { session?: { client?: unknown } }).session?.client;
  if (client instanceof pg.Pool || client instanceof pg.Client) return remember(db, pgRunner(client));
  if (client && typeof (client as PGliteLike).query === 'function') return remember(db, pgliteRunner(client as PGliteLike));
  throw new Error('sqlRunner: this Drizzle handle has no pg or PGlite connection');
}

function remember(db: object, runner: SqlRunner): SqlRunner {
  runners.set(db, runner);
  return runner;
}

type PGliteLike = Pick<PGlite, 'query'>;

/** Statement names by text; each connection prepares a name the first time it sees it. */
const statementNames = new Map<string, string>();
const MAX_NAMED_STATEMENTS = 500;

function statementName(text: string): string | undefined {
  let name = statementNames.get(text);
  if (name === undefined && statementNames.size < MAX_NAMED_STATEMENTS) {
    name = `kairos_${statementNames.size + 1}`;
    statementNames.set(text, name);
  }
  return name; // undefined past the cap: run unnamed rather than grow without bound
}

function pgRunner(client: pg.Pool | pg.Client): SqlRunner {
  return {
    async query<R>(text: string, params: readonly unknown[] = []) {
      const result = await client.query({ text, values: params as unknown[], name: statementName(text) });
      return result.rows as R[];
    },
  };
}

function pgliteRunner(client: PGliteLike): SqlRunner {
  return {
    async query<R>(text: string, params: readonly unknown[] = []) {
      return (await client.query<R>(text, params as unknown[])).rows;
    },
  };
}

export interface Database {
  db: Db;
  kind: 'pglite' | 'postgres';
  /** Applies pending migrations (idempotent; serialised across processes). */
  migrate(): Promise<void>;
  ping(): Promise<void>;
  /**
   * A handle on connections of its own (PostgreSQL: a separate pool of `max`, opened on
   * first use and closed with the rest), for work that must not queue behind request
   * traffic in the shared pool — the outbox relay, whose lease would otherwise wait behind
   * every request and job callback of a burst. PGlite has one connection: the same handle.
   */
  dedicated(name: string, max: number): Db;
  /**
   * Calls `fn` on every NOTIFY on `channel` from any process (PostgreSQL: one connection
   * of its own that LISTENs, reopened after a loss). Returns the unsubscribe.
   */
  onNotify(channel: string, fn: () => void): Promise<() => Promise<void>>;
  /** Connections in use / idle / waiting (PostgreSQL pool), for metrics. */
  poolStats(): { total: number; idle: number; waiting: number };
  close(): Promise<void>;
}

const migrationsFolder = fileURLToPath(new URL('../../../drizzle', import.meta.url));
/** Arbitrary constant: the advisory lock that serialises migrations across processes. */
const MIGRATION_LOCK = 7_302_113;

export async function openDatabase(opts: {
  url?: string;
  dataDir?: string;
  poolMax?: number;
  /** PGlite: told after each of its periodic vacuums (pglite-vacuum.ts). */
  onVacuum?: (report: VacuumReport) => void;
  /** PGlite: how long to wait for another process's lock on the data folder (data-dir-lock.ts). */
  dataDirWaitMs?: number;
  /** PGlite: told once when the data folder is in use and the open starts waiting for it. */
  onDataDirBusy?: () => void;
}): Promise<Database> {
  if (opts.url) return openPostgres(opts.url, opts.poolMax ?? 10);
  return openPglite(opts.dataDir ?? './.data', opts);
}

/**
 * The data folder's lock was lost while open (data-dir-lock.ts): another process may be
 * writing the folder now, so this one stops before it writes anything more.
 */
function exitOnLostDataDir(dataDir: string) {
  return (err: Error) => {
    console.error(`kairos: lost the lock on the data folder ${dataDir} (${err.message}); stopping so that only one process writes it`);
    process.exit(1);
  };
}

function openPool(url: string, max: number, applicationName: string): { pool: pg.Pool; db: Db } {
  const pool = new pg.Pool({ connectionString: url, max, idleTimeoutMillis: 30_000, application_name: applicationName });
  // A pool error (e.g. the server restarted) must not crash the process; queries retry on new connections.
  pool.on('error', () => {});
  // The same for a client that is checked out but between statements (inside a
  // transaction) when the server goes: pg emits 'error' on the client itself, and with
  // no listener that ends the process. Its pending work fails instead, and the pool
  // drops the dead client when it is released.
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = drizzlePg(pool, { schema }) as unknown as Db;
  remember(db, pgRunner(pool));
  return { pool, db };
}

async function openPostgres(url: string, max: number): Promise<Database> {
  const { pool, db } = openPool(url, max, 'kairos');
  const dedicated = new Map<string, { pool: pg.Pool; db: Db }>();
  return {
    db,
    kind: 'postgres',
    dedicated(name, poolMax) {
      let own = dedicated.get(name);
      if (!own) dedicated.set(name, (own = openPool(url, poolMax, `kairos-${name}`)));
      return own.db;
    },
    async migrate() {
      const client = await pool.connect();
      try {
        await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
        await migratePg(drizzlePg(client, { schema }), { migrationsFolder });
        await backfillRecurrenceSummaries(pgRunner(client));
      } finally {
        await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
        client.release();
      }
    },
    async ping() {
      await pool.query('select 1');
    },
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    onNotify: (channel, fn) => listenWithReconnect(url, channel, fn),
    close: async () => {
      await Promise.all([pool.end(), ...[...dedicated.values()].map((d) => d.pool.end())]);
    },
  };
}

/**
 * A connection that LISTENs on `channel` and calls `fn` per notification. When it is lost
 * (the server restarted), it is opened again after a growing pause (≤ 10 s) and `fn` is
 * called once, as a notification may have been missed meanwhile.
 */
async function listenWithReconnect(url: string, channel: string, fn: () => void): Promise<() => Promise<void>> {
  let client: pg.Client | undefined;
  let stopped = false;
  let retryMs = 0;
  let timer: NodeJS.Timeout | undefined;
  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: url, application_name: 'kairos-listen' });
    c.on('notification', () => fn());
    c.on('error', () => reopen(c));
    c.on('end', () => reopen(c));
    await c.connect();
    await c.query(`listen "${channel.replaceAll('"', '""')}"`);
    client = c;
    retryMs = 0;
  };
  const reopen = (lost: pg.Client) => {
    if (stopped || client !== lost) return;
    client = undefined;
    lost.end().catch(() => {});
    retryMs = Math.min(retryMs ? retryMs * 2 : 200, 10_000);
    timer = setTimeout(() => {
      connect().then(fn, () => {
        client = lost; // let the next failure schedule the next attempt
        reopen(lost);
      });
    }, retryMs);
    timer.unref();
  };
  await connect();
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await client?.end().catch(() => {});
  };
}

async function openPglite(
  dataDir: string,
  opts: { onVacuum?: (report: VacuumReport) => void; dataDirWaitMs?: number; onDataDirBusy?: () => void },
): Promise<Database> {
  const inMemory = dataDir.startsWith('memory://');
  if (!inMemory) mkdirSync(dataDir, { recursive: true });
  const lock = inMemory
    ? undefined
    : await lockDataDir(dataDir, { waitMs: opts.dataDirWaitMs, onBusy: opts.onDataDirBusy, onLost: exitOnLostDataDir(dataDir) });
  let client: PreparedPGlite;
  try {
    client = await PreparedPGlite.open(inMemory ? undefined : dataDir);
  } catch (err) {
    await lock?.release();
    throw err;
  }
  const stopVacuum = startPgliteVacuum(client, {
    onRun: (report) => {
      // a failure leaves plans per execution: slower, not wrong
      if (!report.error) void client.statisticsGathered().catch(() => {});
      opts.onVacuum?.(report);
    },
  });
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  remember(db, pgliteRunner(client));
  return {
    db,
    kind: 'pglite',
    async migrate() {
      await migratePglite(drizzlePglite(client, { schema }), { migrationsFolder });
      await backfillRecurrenceSummaries(pgliteRunner(client));
    },
    async ping() {
      await db.execute(sql`select 1`);
    },
    dedicated: () => db,
    // the database lives in this process: every commit is this process's own, and whoever
    // commits tells its listeners in-process
    onNotify: async () => async () => {},
    poolStats: () => ({ total: 1, idle: 1, waiting: 0 }),
    close: async () => {
      await stopVacuum();
      await client.close();
      await lock?.release(); // only once the folder is closed
    },
  };
}
