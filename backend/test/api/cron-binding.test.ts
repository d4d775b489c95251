import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { cronRoutes } from '../../src/adapters/dapr/inbound.js';

describe('cron input binding route', () => {
  it('accepts the empty application/json body daprd sends, and runs the sweep', async () => {
    let sweeps = 0;
    const app = Fastify();
    await app.register(cronRoutes, { sweep: async () => void sweeps++ });
    const res = await app.inject({ method: 'POST', url: '/overdue-sweep', headers: { 'content-type': 'application/json' }, payload: '' });
    expect(res.statusCode).toBe(200);
    expect(sweeps).toBe(1);
    expect((await app.inject({ method: 'OPTIONS', url: '/overdue-sweep' })).statusCode).toBe(200);
    await app.close();
  });

  it('leaves JSON parsing alone outside its own routes', async () => {
    const app = Fastify();
    await app.register(cronRoutes, { sweep: async () => {} });
    app.post('/echo', async (req) => req.body);
    const res = await app.inject({ method: 'POST', url: '/echo', payload: { a: 1 } });
    expect(res.json()).toEqual({ a: 1 });
    await app.close();
  });
});
