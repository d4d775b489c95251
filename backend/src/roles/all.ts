/**
 * Role `all` on the embedded platform, in one call: what `kairos --role all` runs, for
 * the tests and tools that start the whole application in-process (`listen: false`
 * builds it without opening a port; requests are injected).
 */
import type { FastifyInstance } from 'fastify';
import type { Core, RunningRole } from './core.js';
import { startRole } from './modules.js';
import { embeddedPlatform } from './platforms.js';

export interface EmbeddedApp extends RunningRole {
  app: FastifyInstance;
}

export function startAll(core: Core, listen = true): Promise<EmbeddedApp> {
  return startRole(core, embeddedPlatform(core), { role: 'all', listen });
}
