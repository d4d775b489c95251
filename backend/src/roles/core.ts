/**
 * What every role shares: configuration → logger, metrics registry, database
 * (migrated), clock, and an orderly shutdown.
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { openDatabase, type Database } from '../adapters/postgres/db.js';
import type { Config } from '../config.js';
import { createRegistry } from '../http/metrics.js';
import { createLogger } from '../observability/logger.js';
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
  const logger = overrides.logger ?? createLogger({ level: config.LOG_LEVEL, role: config.role, appId });
  const registry = createRegistry({ role: config.role });
  const metrics = createPipelineMetrics(registry);
  const database = await openDatabase({ url: config.DATABASE_URL, dataDir: config.KAIROS_DATA_DIR, poolMax: config.DATABASE_POOL_MAX });
  if (!config.KAIROS_SKIP_MIGRATIONS) await database.migrate();
  return { config, logger, registry, metrics, database, clock: overrides.clock ?? systemClock };
}

export interface RunningRole {
  /** Where the HTTP server listens. */
  url: string;
  /** Drains HTTP, flushes the outbox, closes the database. Safe to call twice. */
  stop(): Promise<void>;
}
