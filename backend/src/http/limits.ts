/**
 * Abuse limits, in one place for every role's HTTP server:
 * - writes (POST, PUT, PATCH, DELETE) per authenticated user: a token bucket of
 *   `writesPerMinute` that refills evenly over a minute; an empty bucket is a 429 with
 *   `Retry-After` (seconds). Counted per process: N api replicas allow N times as much.
 * - WebSocket connections per user (`wsMaxPerUser`) and the size of one WebSocket
 *   message (`wsMaxMessageBytes`); websocket.ts applies them.
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
}

export const DEFAULT_LIMITS: Limits = { writesPerMinute: 1200, wsMaxPerUser: 20, wsMaxMessageBytes: 4096 };

declare module 'fastify' {
  interface FastifyInstance {
    limits: Limits;
  }
}

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const MAX_TRACKED = 100_000;

/** A token bucket per key. `take` answers 0 when allowed, else the seconds until a token is back. */
export function createRateLimiter(perMinute: number, now: () => number = Date.now) {
  const ratePerMs = perMinute / 60_000;
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    take(key: string): number {
      const t = now();
      let bucket = buckets.get(key);
      if (bucket) {
        bucket.tokens = Math.min(perMinute, bucket.tokens + (t - bucket.at) * ratePerMs);
        bucket.at = t;
      } else {
        if (buckets.size >= MAX_TRACKED) {
          // Drop full buckets first: they carry no state a fresh one would not.
          for (const [k, b] of buckets) if (b.tokens + (t - b.at) * ratePerMs >= perMinute) buckets.delete(k);
          if (buckets.size >= MAX_TRACKED) buckets.delete(buckets.keys().next().value!);
        }
        bucket = { tokens: perMinute, at: t };
        buckets.set(key, bucket);
      }
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return 0;
      }
      return Math.max(1, Math.ceil((1 - bucket.tokens) / ratePerMs / 1000));
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
