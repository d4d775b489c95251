/**
 * What every role shares: configuration → logger, metrics registry, database
 * (migrated), clock, and an orderly shutdown.
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { openDatabase, type Database } from '../adapters/postgres/db.js';
import { ConfigError, type Config } from '../config.js';
import { createRegistry } from '../http/metrics.js';
import type { ReadinessCheck } from '../http/routes/health.js';
import { buildServer } from '../http/server.js';
import { createLogger } from '../observability/logger.js';
import { initTracing } from '../observability/tracing.js';

const KAIROS_VERSION = process.env.npm_package_version ?? '0.1.0';
import { createPipelineMetrics, type PipelineMetrics } from '../observability/metrics.js';
import { systemClock, type Clock } from '../ports/index.js';

export interface Core {
  config: Config;
  logger: Logger;
  registry: Registry;
  metrics: PipelineMetrics;
  database: Database;
  clock: Clock;
}

export async function createCore(config: Config, overrides: { clock?: Clock; logger?: Logger } = {}): Promise<Core> {
  const appId = config.APP_ID ?? `kairos-${config.role}`;
  initTracing({ serviceName: appId, role: config.role, version: KAIROS_VERSION });
  const logger = overrides.logger ?? createLogger({ level: config.LOG_LEVEL, role: config.role, appId });
  const registry = createRegistry({ role: config.role });
  const metrics = createPipelineMetrics(registry);
  const database = await openDatabase({
    url: config.DATABASE_URL,
    dataDir: config.KAIROS_DATA_DIR,
    dataDirWaitMs: config.KAIROS_DATA_DIR_WAIT_MS,
    onDataDirBusy: () =>
      logger.warn(
        { data_dir: config.KAIROS_DATA_DIR, wait_ms: config.KAIROS_DATA_DIR_WAIT_MS },
        'the data folder is in use by another process; waiting for it (a killed process frees it within 15 s)',
      ),
    poolMax: config.DATABASE_POOL_MAX,
    onVacuum: ({ ms, error }) =>
      error
        ? logger.warn({ err: error }, 'embedded database: vacuum failed; trying again at the next interval')
        : logger.info({ ms: Math.round(ms) }, 'embedded database: vacuumed and analyzed'),
  });
  if (!config.KAIROS_SKIP_MIGRATIONS) await database.migrate();
  return { config, logger, registry, metrics, database, clock: overrides.clock ?? systemClock };
}

export interface RunningRole {
  /** Where the HTTP server listens. */
  url: string;
  /** Drains HTTP, flushes the outbox, closes the database. Safe to call twice. */
  stop(): Promise<void>;
}

export interface ServeOptions {
  openapi: boolean;
  bodyLimit: number;
  readiness: Record<string, ReadinessCheck>;
  plugins: Array<[FastifyPluginAsync<never>, unknown]>;
  /** Started after the server is built, before it listens (relays, schedulers). */
  start?: () => Promise<void> | void;
  /** Run in order after HTTP has drained, before the database closes. */
  teardown?: Array<() => Promise<void> | void>;
  /** False: build and start without opening a port (tests inject requests). */
  listen?: boolean;
}

/**
 * Serves a role: builds its HTTP server, starts its background work, listens, and
 * stops in the one safe order — readiness fails first (draining), HTTP drains, the
 * role's own teardown runs (flushing the outbox), the database closes last.
 */
export async function serveRole(core: Core, opts: ServeOptions): Promise<RunningRole & { app: FastifyInstance }> {
  const { config, database } = core;
  let draining = false;
  const app = await buildServer({
    logger: core.logger,
    bodyLimit: opts.bodyLimit,
    registry: core.registry,
    openapi: opts.openapi,
    isDraining: () => draining,
    readiness: opts.readiness,
    plugins: opts.plugins,
    limits: {
      writesPerMinute: config.KAIROS_WRITE_RATE_LIMIT,
      wsMaxPerUser: config.KAIROS_WS_MAX_PER_USER,
      wsMaxMessageBytes: config.KAIROS_WS_MAX_MESSAGE_BYTES,
      importTasksPerHour: config.KAIROS_IMPORT_RATE_LIMIT,
    },
    maxRequestsPerSocket: config.KAIROS_HTTP_MAX_REQUESTS_PER_SOCKET,
    keepAliveTimeoutMs: config.KAIROS_HTTP_KEEP_ALIVE_TIMEOUT_MS,
  });

  await opts.start?.();
  let url: string;
  try {
    url =
      opts.listen === false
        ? (config.KAIROS_PUBLIC_URL ?? `http://localhost:${config.port}`)
        : await app.listen({ port: config.port, host: config.HOST });
  } catch (err) {
    // Nothing was served: stop what started and close the database (freeing an embedded
    // data folder) before saying why, rather than leave the process half up.
    await app.close().catch(() => {});
    for (const step of opts.teardown ?? []) await Promise.resolve(step()).catch(() => {});
    await database.close().catch(() => {});
    throw listenError(err, config.HOST, config.port);
  }
  let stopping: Promise<void> | undefined;
  return {
    app,
    url,
    stop: () =>
      (stopping ??= (async () => {
        draining = true;
        await app.drained(config.KAIROS_HTTP_DRAIN_MS);
        await app.close();
        for (const step of opts.teardown ?? []) await step();
        await database.close();
        await initTracing({ serviceName: '', role: '', version: '' }).shutdown(); // flushes the last spans
      })()),
  };
}

/** A port that cannot be opened is a configuration problem: say which and what to do. */
function listenError(err: unknown, host: string, port: number): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE')
    return new ConfigError(
      `cannot listen on ${host}:${port}: the port is in use (another Kairos, or another program). Set PORT to a free port.`,
    );
  if (code === 'EACCES')
    return new ConfigError(
      `cannot listen on ${host}:${port}: permission denied (ports below 1024 need privileges). Set PORT to 1024 or above.`,
    );
  if (code === 'EADDRNOTAVAIL')
    return new ConfigError(`cannot listen on ${host}:${port}: this machine has no address ${host}. Set HOST (e.g. 127.0.0.1 or 0.0.0.0).`);
  return err;
}
