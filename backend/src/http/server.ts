/**
 * Builds the HTTP server of a role: Fastify with zod validation, problem+json errors,
 * OpenAPI 3.1 at /docs, health, metrics, and whichever route plugins the role serves.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyPluginAsync,
  type FastifyRequest,
} from 'fastify';
import { jsonSchemaTransform, validatorCompiler } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { registerDrain } from './drain.js';
import { registerInputRules } from './input.js';
import { DEFAULT_LIMITS, registerLimits, type Limits } from './limits.js';
import { finishOpenApi } from './openapi.js';
import { registerProblemHandlers } from './problem.js';
import { healthRoutes, type ReadinessCheck } from './routes/health.js';
import { registerHttpMetrics } from './metrics.js';
import { context, SpanKind, SpanStatusCode, startSpan } from '../observability/tracing.js';

export interface ServerOptions {
  logger: Logger;
  bodyLimit: number;
  registry: Registry;
  readiness: Record<string, ReadinessCheck>;
  isDraining: () => boolean;
  /** Route plugins with their options, registered in order. */
  plugins: Array<[FastifyPluginAsync<never>, unknown]>;
  openapi: boolean;
  /** Abuse limits (write rate per user, WebSocket connections and message size). */
  limits?: Limits;
  /** Requests per kept-alive connection before the server closes it (0 = unlimited). */
  maxRequestsPerSocket?: number;
  /** Idle time after which clients should stop reusing a kept-alive connection (announced as Keep-Alive: timeout=…). */
  keepAliveTimeoutMs?: number;
}

/**
 * How much longer than it announces the server keeps an idle connection open. A client
 * that honours the announcement closes the connection itself (Node's fetch a second or
 * two early, Node's http.Agent at the announced time); the server, closing later, never
 * closes one just as such a client sends its next request on it — the keep-alive race,
 * which fails that request — even when the client's event loop runs late.
 */
export const KEEP_ALIVE_GRACE_MS = 5_000;

export async function buildServer(opts: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: opts.logger as FastifyBaseLogger,
    bodyLimit: opts.bodyLimit,
    // One log line per request is written by the onResponse hook below, with the route template.
    logController: new LogController({ disableRequestLogging: true }),
    requestIdHeader: 'x-request-id',
    genReqId: () => crypto.randomUUID(),
    routerOptions: { maxParamLength: 200 },
    maxRequestsPerSocket: opts.maxRequestsPerSocket ?? 0,
    keepAliveTimeout: (opts.keepAliveTimeoutMs ?? 72_000) + KEEP_ALIVE_GRACE_MS,
  });
  app.setValidatorCompiler(validatorCompiler);
  // Response schemas document the API; handlers build those shapes, so plain JSON.stringify is enough (and fast).
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  registerProblemHandlers(app);
  registerInputRules(app);
  const limits = opts.limits ?? DEFAULT_LIMITS;
  registerLimits(app, limits);
  traceRequests(app);
  registerDrain(app, opts.isDraining, opts.keepAliveTimeoutMs ?? 72_000);

  // Every hook here runs on every request: callback style, not async, so none costs a promise.
  app.addHook('onResponse', (req, reply, done) => {
    const level = reply.statusCode >= 500 ? 'error' : 'debug';
    if (!QUIET_PATHS.has(req.url)) {
      req.log[level](
        { method: req.method, route: req.routeOptions.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 },
        'request',
      );
    }
    done();
  });
  app.addHook('onSend', (req, reply, payload, done) => {
    reply.header('x-request-id', req.id);
    done(null, payload);
  });

  if (opts.openapi) {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'Kairos API',
          version: '1',
          description:
            'Event-driven task manager. Authenticate with the session cookie (web) or `Authorization: Bearer <JWT>` from `GET /api/auth/token`. Errors are RFC 9457 `application/problem+json`. Text in a body, query string or path must not contain control characters other than tab, line feed and carriage return (400).',
        },
        components: {
          securitySchemes: {
            bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
            sessionCookie: { type: 'apiKey', in: 'cookie', name: 'better-auth.session_token' },
          },
        },
      },
      transform: jsonSchemaTransform,
      transformObject: (doc) =>
        finishOpenApi('openapiObject' in doc ? (doc.openapiObject as Record<string, unknown>) : (doc.swaggerObject as never), {
          writeRateLimit: limits.writesPerMinute > 0,
        }),
    });
    await app.register(swaggerUi, { routePrefix: '/docs' });
  }

  await app.register(healthRoutes, { checks: opts.readiness, isDraining: opts.isDraining });
  registerHttpMetrics(app, { registry: opts.registry });
  for (const [plugin, pluginOpts] of opts.plugins) await app.register(plugin, pluginOpts as never);
  return app;
}

/** Probe and scrape paths: no request span, no request log line. */
const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * A SERVER span per request (child of an incoming `traceparent`). The handler runs inside
 * it: the span's context is entered again just before the handler, because body parsing
 * continues on the socket's own async context.
 */
function traceRequests(app: FastifyInstance) {
  const spans = new WeakMap<FastifyRequest, ReturnType<typeof startSpan>>();
  app.addHook('onRequest', (req, _reply, done) => {
    if (QUIET_PATHS.has(req.url)) return done();
    const tp = req.headers.traceparent;
    const started = startSpan(req.method, {
      kind: SpanKind.SERVER,
      ...(typeof tp === 'string' ? { parent: tp } : {}),
      attributes: { 'http.request.method': req.method, 'url.path': req.url.split('?')[0] ?? req.url },
    });
    spans.set(req, started);
    context.with(started.ctx, done);
  });
  app.addHook('preHandler', (req, _reply, done) => {
    const started = spans.get(req);
    if (started) context.with(started.ctx, done);
    else done();
  });
  app.addHook('onResponse', (req, reply, done) => {
    const started = spans.get(req);
    if (started) {
      const route = req.routeOptions.url;
      if (route) {
        started.span.updateName(`${req.method} ${route}`);
        started.span.setAttribute('http.route', route);
      }
      started.span.setAttribute('http.response.status_code', reply.statusCode);
      if (reply.statusCode >= 500) started.span.setStatus({ code: SpanStatusCode.ERROR });
      started.span.end();
    }
    done();
  });
}
