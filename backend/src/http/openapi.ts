/**
 * The last step of the OpenAPI document, in one place rather than per route, so that
 * it says what the server does:
 * - every error response (4xx, 5xx) is `application/problem+json`, as problem.ts sends it,
 *   with one problem schema open to extension members;
 * - a request body whose schema accepts null is optional (the server treats no body as null);
 * - the statuses every route can answer are listed on every route that can answer them:
 *   401 on authenticated routes (authentication comes before validation), 400 where a
 *   query, path or body is read (the control-character rule of input.ts included),
 *   413 and 415 where a body is read, 429 on writes when a write rate limit is set.
 */
import { problemResponse } from './schemas.js';
import { z } from 'zod';

type Json = Record<string, unknown>;

const PROBLEM = 'application/problem+json';
const WRITE_METHODS = new Set(['post', 'put', 'patch', 'delete']);

// One schema for every problem, open to extension members (RFC 9457 §3.2), e.g. a 409's current_version.
const problemSchema = z.toJSONSchema(
  problemResponse.extend({ current_version: z.number().int().optional().describe('409/412: the version the task has now') }),
  { target: 'draft-2020-12', io: 'output' },
) as Json;
delete problemSchema.$schema;
delete problemSchema.additionalProperties;

const DESCRIPTIONS: Record<string, string> = {
  '400': 'Invalid request (problem details name the fields)',
  '401': 'Not authenticated',
  '403': 'Forbidden',
  '404': 'Not found',
  '409': 'Version conflict',
  '412': 'Precondition failed',
  '413': 'Request body too large',
  '415': 'Unsupported media type',
  '422': 'Unprocessable task (problem details name the fields)',
  '429': 'Too many requests (see Retry-After)',
};

const problem = (status: string) => ({ description: DESCRIPTIONS[status] ?? 'Error', content: { [PROBLEM]: { schema: problemSchema } } });

function acceptsNull(schema: Json | undefined): boolean {
  if (!schema) return false;
  if (schema.type === 'null' || (Array.isArray(schema.type) && schema.type.includes('null'))) return true;
  return ['anyOf', 'oneOf'].some((k) => Array.isArray(schema[k]) && (schema[k] as Json[]).some(acceptsNull));
}

export interface OpenApiFinishOptions {
  /** Whether writes are rate limited per user (a 429 is then documented on them). */
  writeRateLimit: boolean;
}

export function finishOpenApi(doc: Json, opts: OpenApiFinishOptions): Json {
  const paths = (doc.paths ?? {}) as Record<string, Record<string, Json>>;
  for (const [path, item] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (typeof op !== 'object' || op === null || !('responses' in op)) continue;
      const responses = op.responses as Record<string, Json>;
      for (const [status, response] of Object.entries(responses)) {
        if (!/^[45]/.test(status)) continue;
        response.content = { [PROBLEM]: { schema: problemSchema } };
      }
      // A body whose schema accepts null may be left out altogether (e.g. complete/reopen's {version}).
      const body = op.requestBody as { required?: boolean; content?: Record<string, { schema?: Json }> } | undefined;
      if (body && Object.values(body.content ?? {}).some((c) => acceptsNull(c.schema))) body.required = false;
      const add = (status: string) => {
        responses[status] ??= problem(status);
      };
      const secured = Array.isArray(op.security) && op.security.length > 0;
      const reads = Array.isArray(op.parameters) && op.parameters.length > 0;
      const hasBody = op.requestBody !== undefined;
      if (secured) add('401');
      if (reads || hasBody) add('400');
      if (hasBody || (WRITE_METHODS.has(method) && path.startsWith('/api/'))) {
        // A body is read (and so may be too large or of another media type) on every write.
        add('400');
        add('413');
        add('415');
      }
      if (opts.writeRateLimit && secured && WRITE_METHODS.has(method)) add('429');
    }
  }
  return doc;
}
