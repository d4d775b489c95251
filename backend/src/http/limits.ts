/**
 * Abuse limits, in one place for every role's HTTP server:
 * - writes (POST, PUT, PATCH, DELETE) per authenticated user: a token bucket of
 *   `writesPerMinute` that refills evenly over a minute; an empty bucket is a 429 with
 *   `Retry-After` (seconds). Counted per process: N api replicas allow N times as much.
 * - WebSocket connections per user (`wsMaxPerUser`) and the size of one WebSocket
 *   message (`wsMaxMessageBytes`); websocket.ts applies them.
 * - tasks imported per user (POST /api/v1/import): `importTasksPerHour`, a bucket counted in
 *   tasks (one import request adds up to thousands) that refills evenly over an hour.
 * The request body size limit is Fastify's `bodyLimit` (413).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpProblem } from './problem.js';

export interface Limits {
  /** Writes per minute per user; 0 turns the limit off. */
  writesPerMinute: number;
  /** Open WebSocket connections per user. */
  wsMaxPerUser: number;
  /** Largest WebSocket message a client may send, in bytes. */
  wsMaxMessageBytes: number;
  /** Tasks a user may import per hour; 0 turns the limit off. */
  importTasksPerHour: number;
}

export const DEFAULT_LIMITS: Limits = { writesPerMinute: 1200, wsMaxPerUser: 20, wsMaxMessageBytes: 4096, importTasksPerHour: 10_000 };

declare module 'fastify' {
  interface FastifyInstance {
    limits: Limits;
  }
}

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const MAX_TRACKED = 100_000;

/**
 * A token bucket per key, holding `capacity` tokens (by default a minute's worth) and
 * refilling `perMinute` evenly. `take` answers 0 when `cost` tokens were there (and takes
 * them), else the seconds until they are back.
 */
export function createRateLimiter(perMinute: number, now: () => number = Date.now, capacity = perMinute) {
  const ratePerMs = perMinute / 60_000;
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    take(key: string, cost = 1): number {
      const t = now();
      let bucket = buckets.get(key);
      if (bucket) {
        bucket.tokens = Math.min(capacity, bucket.tokens + (t - bucket.at) * ratePerMs);
        bucket.at = t;
      } else {
        if (buckets.size >= MAX_TRACKED) {
          // Drop full buckets first: they carry no state a fresh one would not.
          for (const [k, b] of buckets) if (b.tokens + (t - b.at) * ratePerMs >= capacity) buckets.delete(k);
          if (buckets.size >= MAX_TRACKED) buckets.delete(buckets.keys().next().value!);
        }
        bucket = { tokens: capacity, at: t };
        buckets.set(key, bucket);
      }
      if (bucket.tokens >= cost) {
        bucket.tokens -= cost;
        return 0;
      }
      return Math.max(1, Math.ceil((cost - bucket.tokens) / ratePerMs / 1000));
    },
    size: () => buckets.size,
  };
}

export function registerLimits(app: FastifyInstance, limits: Limits): void {
  app.decorate('limits', limits);
  if (limits.writesPerMinute <= 0) return;
  const limiter = createRateLimiter(limits.writesPerMinute);
  // preParsing runs after every onRequest hook (authentication) and before the body is read:
  // a throttled client costs no parsing.
  app.addHook('preParsing', (req: FastifyRequest, reply: FastifyReply, payload, done) => {
    const wait = WRITES.has(req.method) && req.userId ? limiter.take(req.userId) : 0;
    if (wait === 0) return done(null, payload);
    reply.header('retry-after', String(wait));
    done(new HttpProblem(429, 'Too many requests', `Too many changes in a short time; try again in ${wait} s.`));
  });
}

/** The import budget (null when off): `take(userId, tasks)`, a full hour's worth at first. */
export function createImportLimiter(limits: Pick<Limits, 'importTasksPerHour'>, now: () => number = Date.now) {
  const perHour = limits.importTasksPerHour;
  return perHour > 0 ? createRateLimiter(perHour / 60, now, perHour) : null;
}
