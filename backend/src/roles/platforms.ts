/**
 * The platform a process runs on: role `all` on the embedded platform (everything
 * in-process), every other role on the Dapr platform beside its sidecar. The one place
 * that knows both; modules only see the Platform interface.
 */
import { createDaprPlatform } from '../adapters/dapr/platform.js';
import { createDaprSidecar, type DaprSidecar } from '../adapters/dapr/sidecar.js';
import { createEmbeddedPlatform } from '../adapters/embedded/platform.js';
import type { Platform } from '../adapters/platform.js';
import { metricsObserver } from '../app/delivery.js';
import type { Core } from './core.js';

export function embeddedPlatform(core: Core): Platform {
  const { config } = core;
  return createEmbeddedPlatform({
    db: core.database.db,
    logger: core.logger,
    observe: metricsObserver(core.metrics),
    smtp: { url: config.KAIROS_SMTP_URL, from: config.KAIROS_MAIL_FROM },
    dataDir: config.KAIROS_DATA_DIR,
  });
}

export function daprPlatform(core: Core, sidecar: DaprSidecar): Platform {
  const { config } = core;
  return createDaprPlatform({
    sidecar,
    appId: config.APP_ID ?? 'kairos-api',
    logger: core.logger,
    db: core.database.db,
    observe: metricsObserver(core.metrics),
    mailFrom: config.KAIROS_MAIL_FROM,
    sidecarHttpPort: config.DAPR_HTTP_PORT,
  });
}

export function sidecarFor(env: NodeJS.ProcessEnv): DaprSidecar {
  return createDaprSidecar({
    httpPort: Number(env.DAPR_HTTP_PORT ?? 3500),
    ...(env.DAPR_API_TOKEN ? { apiToken: env.DAPR_API_TOKEN } : {}),
  });
}
