/** Liveness and readiness: /healthz says the process runs, /readyz that its dependencies answer. */
import type { FastifyInstance } from 'fastify';

export type ReadinessCheck = () => Promise<void>;

export async function healthRoutes(app: FastifyInstance, opts: { checks: Record<string, ReadinessCheck>; isDraining: () => boolean }) {
  const hide = { hide: true };
  app.get('/healthz', { schema: hide }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: hide }, async (_req, reply) => {
    if (opts.isDraining()) return reply.status(503).send({ status: 'draining' });
    const results = await Promise.all(
      Object.entries(opts.checks).map(async ([name, check]) => {
        try {
          await Promise.race([
            check(),
            new Promise((_, reject) => setTimeout(() => reject(new Error('timed out after 2 s')), 2000).unref()),
          ]);
          return [name, 'ok'] as const;
        } catch (err) {
          return [name, (err as Error).message || 'failed'] as const;
        }
      }),
    );
    const ready = results.every(([, r]) => r === 'ok');
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks: Object.fromEntries(results) });
  });
}
