#!/usr/bin/env node
/**
 * Kairos — one entry point, many roles (like Loki's `-target`):
 *
 *   kairos [--role all|api|notifier|recurrence|audit|realtime]   run a role (default: all)
 *   kairos migrate                                                 apply database migrations and exit
 *   kairos roles [--json | --dapr-run-file]                        print the module table (roles/table.ts)
 *
 * `--role all` is the embedded default: every role in one process on PGlite. A role is
 * a set of modules (roles/table.ts, roles/modules.ts) on a platform (roles/platforms.ts).
 */
import { parseArgs } from 'node:util';
import { openDatabase } from './adapters/postgres/db.js';
import { DataDirInUseError } from './adapters/postgres/data-dir-lock.js';
import type { DaprSidecar } from './adapters/dapr/sidecar.js';
import { ConfigError, loadConfig, parseRole } from './config.js';
import { createCore } from './roles/core.js';

const USAGE =
  'usage: kairos [--role all|api|notifier|recurrence|audit|realtime] | kairos migrate | kairos roles [--json | --dapr-run-file]';

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: {
      role: { type: 'string', short: 'r' },
      help: { type: 'boolean', short: 'h' },
      json: { type: 'boolean' },
      'dapr-run-file': { type: 'boolean' },
    },
    allowPositionals: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const command = positionals[0] ?? 'run';
  if (command !== 'run' && command !== 'migrate' && command !== 'roles') throw new ConfigError(`unknown command "${command}"\n${USAGE}`);
  if (command === 'roles') {
    const { describeSystem, formatSystem } = await import('./roles/table.js');
    if (values['dapr-run-file']) process.stdout.write((await import('./roles/dapr-run-file.js')).daprRunFile());
    else console.log(values.json ? JSON.stringify(describeSystem(), null, 2) : formatSystem());
    return;
  }
  const role = parseRole(values.role ?? process.env.KAIROS_ROLE);
  // Distributed roles read their secrets (database URL, auth secret) through the Dapr sidecar.
  let sidecar: DaprSidecar | undefined;
  if (command === 'run' && role !== 'all') {
    const { sidecarFor } = await import('./roles/platforms.js');
    const { loadSecretsIntoEnv } = await import('./adapters/dapr/secrets.js');
    sidecar = sidecarFor(process.env);
    await sidecar.waitUntilReady(60_000);
    await loadSecretsIntoEnv(sidecar, process.env);
  }
  const config = loadConfig(process.env, command === 'migrate' ? 'all' : role);

  if (command === 'migrate') {
    const database = await openDatabase({
      url: config.DATABASE_URL,
      dataDir: config.KAIROS_DATA_DIR,
      dataDirWaitMs: config.KAIROS_DATA_DIR_WAIT_MS,
      onDataDirBusy: () => console.error(`kairos: the data folder ${config.KAIROS_DATA_DIR} is in use; waiting for it`),
    });
    await database.migrate();
    await database.close();
    console.log(JSON.stringify({ level: 'info', msg: 'migrations applied', database: database.kind }));
    return;
  }

  const core = await createCore(config);
  const { startRole } = await import('./roles/modules.js');
  const { daprPlatform, embeddedPlatform } = await import('./roles/platforms.js');
  const running = await startRole(core, sidecar ? daprPlatform(core, sidecar) : embeddedPlatform(core));
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
  // `on`, not `once`: a library may exit the process on a signal when it finds no other
  // listener (the agents SDK's tracing does, after its own async cleanup), and a `once`
  // listener is already gone by then — the process would exit mid-drain. A second signal
  // finds the shutdown under way (stop() is idempotent) and is only logged.
  let stopping = false;
  const onSignal = (signal: string) => {
    if (stopping) return void core.logger.warn({ signal }, 'shutdown already in progress');
    stopping = true;
    shutdown(signal);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

main().catch((err) => {
  if (err instanceof ConfigError) {
    console.error(`kairos: ${err.message}`);
    process.exit(2);
  }
  if (err instanceof DataDirInUseError) {
    console.error(`kairos: ${err.message}`);
    process.exit(1);
  }
  console.error(err);
  process.exit(1);
});
