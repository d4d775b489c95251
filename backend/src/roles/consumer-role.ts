/**
 * The shape every consumer role shares: health, metrics, its Dapr subscription routes,
 * optionally more routes (the realtime WebSocket), and an orderly stop.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { Consumer } from '../app/consumer.js';
import type { DaprSidecar } from '../adapters/dapr/sidecar.js';
import { subscriptionRoutes } from '../adapters/dapr/inbound.js';
import { serveRole, type Core, type RunningRole } from './core.js';
import { deliveryObserver } from './parts.js';

export async function startConsumerRole(
  core: Core,
  dapr: DaprSidecar,
  consumers: Consumer[],
  extra: Array<[FastifyPluginAsync<never>, unknown]> = [],
): Promise<RunningRole> {
  return serveRole(core, {
    openapi: false,
    bodyLimit: 1024 * 1024,
    readiness: { database: () => core.database.ping(), dapr: () => dapr.waitUntilReady(1500) },
    plugins: [[subscriptionRoutes, { consumers, observe: deliveryObserver(core), logger: core.logger }], ...extra],
  });
}
