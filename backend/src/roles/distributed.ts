/** Distributed roles (one per process, each beside a Dapr sidecar). */
import { ConfigError } from '../config.js';
import type { Core, RunningRole } from './core.js';

export async function startDistributedRole(core: Core): Promise<RunningRole> {
  throw new ConfigError(`role "${core.config.role}" needs the distributed adapters, which this build does not include yet; run --role all`);
}
