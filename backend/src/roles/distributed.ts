/**
 * Distributed roles: one per process (one Kubernetes Deployment each), beside a Dapr
 * sidecar. Each uses the same use cases as the embedded role `all`; only the adapters
 * differ: Dapr pub/sub (Kafka), Dapr Jobs, service invocation, state, bindings.
 */
import { createDaprMailer } from '../adapters/dapr/mailer.js';
import { API_APP_ID, NEXT_OCCURRENCE_METHOD } from '../adapters/dapr/names.js';
import { createDaprProcessedEvents } from '../adapters/dapr/processed-events.js';
import { createDaprSidecar, type DaprSidecar } from '../adapters/dapr/sidecar.js';
import { auditConsumer } from '../app/audit.js';
import { notifierConsumer } from '../app/notifications.js';
import { createRealtimeHub } from '../app/realtime.js';
import { recurrenceConsumer } from '../app/recurrence.js';
import { createTokenVerifier } from '../adapters/auth/verifier.js';
import { createAuthenticate } from '../http/authenticate.js';
import { presentTask } from '../http/present.js';
import { websocketRoutes } from '../http/routes/websocket.js';
import { startApi } from './api.js';
import { startConsumerRole } from './consumer-role.js';
import type { Core, RunningRole } from './core.js';
import { createStores, createTaskCore } from './parts.js';

export function sidecarFor(env: NodeJS.ProcessEnv): DaprSidecar {
  return createDaprSidecar({
    httpPort: Number(env.DAPR_HTTP_PORT ?? 3500),
    ...(env.DAPR_API_TOKEN ? { apiToken: env.DAPR_API_TOKEN } : {}),
  });
}

export async function startDistributedRole(core: Core, dapr: DaprSidecar): Promise<RunningRole> {
  const { config, metrics, clock } = core;
  switch (config.role) {
    case 'api':
      return startApi(core, dapr);

    case 'audit':
      return startConsumerRole(core, dapr, [auditConsumer(createStores(core).audit)]);

    case 'recurrence':
      return startConsumerRole(core, dapr, [
        recurrenceConsumer(async (userId, completed, traceparent) => {
          await dapr.request('POST', `/v1.0/invoke/${API_APP_ID}/method/${NEXT_OCCURRENCE_METHOD}`, {
            body: { user_id: userId, task: completed, ...(traceparent ? { traceparent } : {}) },
            ...(traceparent ? { headers: { traceparent } } : {}),
            timeoutMs: 10_000,
          });
        }),
      ]);

    case 'notifier': {
      const stores = createStores(core);
      const { uow } = createTaskCore(core, stores);
      return startConsumerRole(core, dapr, [
        notifierConsumer({
          uow,
          preferences: stores.preferences,
          users: stores.users,
          processed: createDaprProcessedEvents(dapr),
          mailer: createDaprMailer(dapr, config.KAIROS_MAIL_FROM),
          clock,
          onDelivered: (channel, outcome) => metrics.notifications.inc({ channel, outcome }),
        }),
      ]);
    }

    case 'realtime': {
      const stores = createStores(core);
      const hub = createRealtimeHub({ log: stores.updatesLog, present: presentTask });
      const jwksUrl = config.KAIROS_JWKS_URL ?? `http://127.0.0.1:${config.DAPR_HTTP_PORT}/v1.0/invoke/${API_APP_ID}/method/api/auth/jwks`;
      const authenticate = createAuthenticate({ verify: createTokenVerifier({ url: jwksUrl }) });
      return startConsumerRole(
        core,
        dapr,
        [hub.consumer(() => metrics.wsMessages.inc())],
        [[websocketRoutes, { hub, authenticate, onConnections: (n: number) => metrics.wsConnections.set(n) }]],
      );
    }

    case 'all':
      throw new Error('role all is not a distributed role');
  }
}
