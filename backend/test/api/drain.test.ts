/**
 * The HTTP server's side of a rolling update (src/http/drain.ts): kept-alive connections
 * are recycled after a number of requests, and while draining every response closes its
 * connection and `drained()` waits for clients to leave — and for new connections to stop
 * arriving — bounded by its timeout.
 */
import { request, Agent } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/http/server.js';

/** A server with only its own routes (health, readiness), never draining. */
const plainServer = () => ({
  logger: pino({ level: 'silent' }),
  bodyLimit: 1024,
  registry: new Registry(),
  readiness: {},
  isDraining: () => false,
  plugins: [],
  openapi: false,
});

let draining = false;
let app: FastifyInstance;
let port = 0;

beforeAll(async () => {
  app = await buildServer({ ...plainServer(), isDraining: () => draining, maxRequestsPerSocket: 3, keepAliveTimeoutMs: 5000 });
  await app.listen({ port: 0, host: '127.0.0.1' });
  port = (app.server.address() as AddressInfo).port;
});
afterAll(() => app.close());

function get(agent: Agent, path = '/healthz'): Promise<{ status: number; connection: string | undefined; keepAlive?: string }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, agent }, (res) => {
      res.resume();
      res.on('end', () =>
        resolve({
          status: res.statusCode!,
          connection: res.headers.connection,
          ...(res.headers['keep-alive'] ? { keepAlive: String(res.headers['keep-alive']) } : {}),
        }),
      );
    })
      .on('error', reject)
      .end();
  });
}

describe('connection recycling and drain', () => {
  it('a kept-alive connection is closed by the server after maxRequestsPerSocket requests', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await get(agent));
    expect(answers.map((a) => a.connection)).toEqual(['keep-alive', 'keep-alive', 'close', 'keep-alive']);
    // the idle timeout is announced, so clients stop reusing a connection before the server closes it
    expect(answers[0]!.keepAlive).toMatch(/^timeout=5\b/);
    agent.destroy();
  });

  it('the server keeps an idle connection open past the timeout it announces, so a client late to close it is still answered', async () => {
    const server = await buildServer({ ...plainServer(), keepAliveTimeoutMs: 1000 });
    await server.listen({ port: 0, host: '127.0.0.1' });
    const { port: p } = server.server.address() as AddressInfo;
    const socket = connect(p, '127.0.0.1');
    const ask = () =>
      new Promise<string>((resolve, reject) => {
        let text = '';
        const onData = (chunk: Buffer) => {
          text += String(chunk);
          if (text.includes('\r\n\r\n')) {
            socket.off('data', onData);
            resolve(text);
          }
        };
        socket.on('data', onData).once('error', reject);
        socket.write(`HEAD /healthz HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n`);
      });
    try {
      await new Promise((r) => socket.once('connect', r));
      expect(await ask()).toMatch(/\r\nkeep-alive: timeout=1\r\n/i);
      // a client that honours "timeout=1" but whose event loop ran 1.5 s late
      await new Promise((r) => setTimeout(r, 2500));
      expect(socket.readyState).toBe('open');
      expect(await ask()).toMatch(/^HTTP\/1\.1 200 /);
    } finally {
      socket.destroy();
      await server.close();
    }
  });

  it('while draining, responses close their connection and drained() resolves once clients left', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    expect((await get(agent)).connection).toBe('keep-alive');
    draining = true;
    try {
      const answer = await get(agent, '/readyz');
      expect(answer).toEqual({ status: 503, connection: 'close' });
      const t0 = Date.now();
      await app.drained(5_000, 200);
      expect(Date.now() - t0).toBeLessThan(5_000); // the one client is gone: no need to wait it out

      // A client that holds a connection without sending anything: drained() gives up at its bound.
      const idle = connect(port, '127.0.0.1');
      await new Promise((r) => idle.once('connect', r));
      const t1 = Date.now();
      await app.drained(300);
      expect(Date.now() - t1).toBeGreaterThanOrEqual(290);
      idle.destroy();
    } finally {
      draining = false;
      agent.destroy();
    }
  });

  it('while new connections keep arriving (a Service still routing here), the listener stays open and serves them', async () => {
    draining = true;
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const t0 = Date.now();
      const drained = app.drained(10_000, 600).then(() => Date.now() - t0);
      const answers = [];
      // a new connection every 300 ms for 1.5 s: each answered (and closed), none refused
      for (let i = 0; i < 5; i++) {
        answers.push(await get(agent, '/healthz'));
        await new Promise((r) => setTimeout(r, 300));
      }
      expect(answers.every((a) => a.status === 200 && a.connection === 'close')).toBe(true);
      // done only after a quiet period following the last new connection
      expect(await drained).toBeGreaterThanOrEqual(1500 + 600 - 350);
    } finally {
      draining = false;
      agent.destroy();
    }
  });
});
