/**
 * RFC 9457 problem details for every error the API returns. Whatever goes wrong —
 * a malformed body, an unknown field, a stale version — the client gets a 4xx with a
 * message it can show; a 500 means a bug and is logged with the request id.
 */
import type { IncomingMessage } from 'node:http';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ConflictError, NotFoundError, UnprocessableError, VersionMismatchError, type FieldError } from '../app/errors.js';
import { InvalidCursorError } from '../ports/index.js';
import { QuickAddError } from '../domain/quick-add.js';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    detail?: string,
    readonly extra: Partial<Problem> = {},
  ) {
    super(detail ?? title);
  }
}

/** Problem types are relative URIs documented in the OpenAPI description. */
const TYPE_BASE = '/problems/';

export function sendProblem(reply: FastifyReply, p: Problem): FastifyReply {
  return reply.status(p.status).type('application/problem+json').send(p);
}

function problemFor(err: FastifyError | Error, req: FastifyRequest): Problem | null {
  const instance = req.url.split('?')[0];
  if (hasZodFastifySchemaValidationErrors(err)) {
    const where = (err as FastifyError).validationContext ?? 'body';
    const prefix = where === 'body' ? [] : [where];
    const errors = err.validation.flatMap((v) => {
      const path = [...prefix, ...v.instancePath.split('/').filter(Boolean)];
      // An unknown field is reported against the field itself, so a form can show it there.
      if (v.keyword === 'unrecognized_keys' && Array.isArray(v.params.keys)) {
        return (v.params.keys as string[]).map((k) => ({ path: [...path, k].join('.'), message: 'is not a known field' }));
      }
      return [{ path: path.join('.') || where, message: v.message ?? 'is invalid' }];
    });
    return {
      type: `${TYPE_BASE}validation`,
      title: 'Invalid request',
      status: 400,
      detail: errors.map((e) => `${e.path}: ${e.message}`).join('; '),
      instance,
      errors,
    };
  }
  if (err instanceof NotFoundError)
    return { type: `${TYPE_BASE}not-found`, title: 'Not found', status: 404, detail: err.message, instance };
  if (err instanceof VersionMismatchError) {
    return {
      type: `${TYPE_BASE}version-conflict`,
      title: 'Version conflict',
      status: 409,
      detail: err.message,
      instance,
      current_version: err.current,
    };
  }
  if (err instanceof ConflictError) return { type: `${TYPE_BASE}conflict`, title: 'Conflict', status: 409, detail: err.message, instance };
  if (err instanceof UnprocessableError) {
    return { type: `${TYPE_BASE}unprocessable`, title: 'Invalid task', status: 422, detail: err.message, instance, errors: err.errors };
  }
  if (err instanceof QuickAddError) {
    return {
      type: `${TYPE_BASE}unprocessable`,
      title: 'Invalid quick-add text',
      status: 422,
      detail: err.message,
      instance,
      errors: [{ path: 'text', message: err.message }],
    };
  }
  if (err instanceof InvalidCursorError) {
    return {
      type: `${TYPE_BASE}validation`,
      title: 'Invalid request',
      status: 400,
      detail: err.message,
      instance,
      errors: [{ path: 'cursor', message: err.message }],
    };
  }
  if (err instanceof HttpProblem) {
    return {
      type: `${TYPE_BASE}${err.title.toLowerCase().replace(/\W+/g, '-')}`,
      title: err.title,
      status: err.status,
      detail: err.message,
      instance,
      ...err.extra,
    };
  }
  const fe = err as FastifyError;
  const status = fe.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    const known: Record<string, [string, string]> = {
      FST_ERR_CTP_INVALID_JSON_BODY: ['Malformed JSON', 'The request body is not valid JSON.'],
      FST_ERR_CTP_EMPTY_JSON_BODY: ['Malformed JSON', 'The request body is empty but Content-Type is application/json.'],
      FST_ERR_CTP_BODY_TOO_LARGE: ['Payload too large', 'The request body is larger than the server accepts.'],
      FST_ERR_CTP_INVALID_MEDIA_TYPE: ['Unsupported media type', 'Send the body as application/json.'],
    };
    const [title, detail] = known[fe.code] ?? [httpTitle(status), fe.message];
    return { type: `${TYPE_BASE}${title.toLowerCase().replace(/\W+/g, '-')}`, title, status, detail, instance };
  }
  return null;
}

function httpTitle(status: number): string {
  const titles: Record<number, string> = {
    400: 'Bad request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not found',
    405: 'Method not allowed',
    409: 'Conflict',
    412: 'Precondition failed',
    413: 'Payload too large',
    415: 'Unsupported media type',
    422: 'Unprocessable content',
    429: 'Too many requests',
  };
  return titles[status] ?? 'Request error';
}

/** How much of an unread request body is read and dropped before answering (see drainRequest). */
const DRAIN_MAX_BYTES = 8 * 1024 * 1024;
const DRAIN_MAX_MS = 5000;

/**
 * Reads and drops the rest of a request body the server will not use (a body over the
 * limit, a request refused before its body is read: 401, 403, 429), so that the answer is sent on a connection the client is done writing to. Without
 * it the connection is closed under a client (or the web proxy) that is still sending, the
 * peer's stack answers with a reset, and the client sees a broken connection instead of the
 * 413. Bounded: past DRAIN_MAX_BYTES or DRAIN_MAX_MS the connection is closed as before.
 */
function drainRequest(raw: IncomingMessage): Promise<void> {
  if (raw.complete || raw.readableEnded || raw.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    let seen = 0;
    const finish = () => {
      clearTimeout(timer);
      raw.off('data', onData);
      raw.off('end', finish);
      raw.off('error', finish);
      raw.off('close', finish);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > DRAIN_MAX_BYTES) finish();
    };
    const timer = setTimeout(finish, DRAIN_MAX_MS);
    raw.on('data', onData);
    raw.once('end', finish);
    raw.once('error', finish);
    raw.once('close', finish);
    raw.resume();
  });
}

export function registerProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler(async (err, req, reply) => {
    const problem = problemFor(err as FastifyError, req);
    await drainRequest(req.raw);
    if (problem) return sendProblem(reply, problem);
    req.log.error({ err }, 'unhandled error');
    return sendProblem(reply, {
      type: `${TYPE_BASE}internal`,
      title: 'Internal server error',
      status: 500,
      detail: `Something went wrong on our side (request ${req.id}).`,
      instance: req.url.split('?')[0],
    });
  });
  app.setNotFoundHandler((req, reply) =>
    sendProblem(reply, {
      type: `${TYPE_BASE}not-found`,
      title: 'Not found',
      status: 404,
      detail: `No route for ${req.method} ${req.url.split('?')[0]}`,
      instance: req.url.split('?')[0],
    }),
  );
}
