/**
 * The shape every consumer role shares: health, metrics, its Dapr subscription routes,
 * optionally more routes (the realtime WebSocket), and an orderly stop.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { Consumer } from '../app/consumer.js';
import type { DaprSidecar } from '../adapters/dapr/sidecar.js';
import { subscriptionRoutes } from '../http/routes/dapr.js';
import { buildServer } from '../http/server.js';
import type { Core, RunningRole } from './core.js';
import { deliveryObserver } from './parts.js';

export async function startConsumerRole(
  core: Core,
  dapr: DaprSidecar,
  consumers: Consumer[],
  extra: Array<[FastifyPluginAsync<never>, unknown]> = [],
): Promise<RunningRole> {
  const { config, logger, database } = core;
  let draining = false;
  const app = await buildServer({
    logger,
    bodyLimit: 1024 * 1024,
    registry: core.registry,
    openapi: false,
    isDraining: () => draining,
    readiness: { database: () => database.ping(), dapr: () => dapr.waitUntilReady(1500) },
    plugins: [[subscriptionRoutes, { consumers, observe: deliveryObserver(core), logger }], ...extra],
  });
  const url = await app.listen({ port: config.port, host: config.HOST });
  let stopping: Promise<void> | undefined;
  return {
    url,
    stop: () =>
      (stopping ??= (async () => {
        draining = true;
        await app.close();
        await database.close();
      })()),
  };
}
