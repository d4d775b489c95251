#!/usr/bin/env node
/**
 * Kairos — one entry point, many roles (like Loki's `-target`):
 *
 *   kairos [--role all|api|notifier|recurrence|audit|realtime]   run a role (default: all)
 *   kairos migrate                                                 apply database migrations and exit
 *
 * `--role all` is the embedded default: every role in one process on PGlite.
 */
import { parseArgs } from 'node:util';
import { openDatabase } from './adapters/postgres/db.js';
import type { DaprSidecar } from './adapters/dapr/sidecar.js';
import { ConfigError, loadConfig, parseRole } from './config.js';
import { createCore, type RunningRole } from './roles/core.js';

const USAGE = 'usage: kairos [--role all|api|notifier|recurrence|audit|realtime] | kairos migrate';

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: { role: { type: 'string', short: 'r' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const command = positionals[0] ?? 'run';
  if (command !== 'run' && command !== 'migrate') throw new ConfigError(`unknown command "${command}"\n${USAGE}`);
  const role = parseRole(values.role ?? process.env.KAIROS_ROLE);
  // Distributed roles read their secrets (database URL, auth secret) through the Dapr sidecar.
  let sidecar: DaprSidecar | undefined;
  if (command === 'run' && role !== 'all') {
    const { sidecarFor } = await import('./roles/distributed.js');
    const { loadSecretsIntoEnv } = await import('./adapters/dapr/secrets.js');
    sidecar = sidecarFor(process.env);
    await sidecar.waitUntilReady(60_000);
    await loadSecretsIntoEnv(sidecar, process.env);
  }
  const config = loadConfig(process.env, command === 'migrate' ? 'all' : role);

  if (command === 'migrate') {
    const database = await openDatabase({ url: config.DATABASE_URL, dataDir: config.KAIROS_DATA_DIR });
    await database.migrate();
    await database.close();
    console.log(JSON.stringify({ level: 'info', msg: 'migrations applied', database: database.kind }));
    return;
  }

  const core = await createCore(config);
  let running: RunningRole;
  if (role === 'all') {
    const { startAll } = await import('./roles/all.js');
    running = await startAll(core);
  } else {
    const { startDistributedRole } = await import('./roles/distributed.js');
    running = await startDistributedRole(core, sidecar!);
  }
  core.logger.info(
    { url: running.url, database: core.database.kind, data_dir: core.database.kind === 'pglite' ? config.KAIROS_DATA_DIR : undefined },
    `kairos ${role} listening on ${running.url}`,
  );

  const shutdown = (signal: string) => {
    core.logger.info({ signal }, 'shutting down: draining HTTP and flushing the outbox');
    const force = setTimeout(() => {
      core.logger.error('shutdown timed out; exiting');
      process.exit(1);
    }, config.KAIROS_SHUTDOWN_TIMEOUT_MS + 5000);
    force.unref();
    running.stop().then(
      () => process.exit(0),
      (err) => {
        core.logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err) => {
  if (err instanceof ConfigError) {
    console.error(`kairos: ${err.message}`);
    process.exit(2);
  }
  console.error(err);
  process.exit(1);
});
