/**
 * Optimistic concurrency over HTTP: `ETag: "<version>"` on every task response;
 * `If-Match` on a write → 412 when stale; a `version` in the body → 409 when stale.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { VersionMismatchError } from '../app/errors.js';
import { HttpProblem } from './problem.js';

export const etag = (version: number): string => `"${version}"`;

export function setEtag(reply: FastifyReply, version: number): void {
  reply.header('etag', etag(version));
}

/** The version `If-Match` names, or undefined for no header / `*`. */
export function ifMatchVersion(req: FastifyRequest): number | undefined {
  const raw = req.headers['if-match'];
  if (raw === undefined || raw.trim() === '*') return undefined;
  const m = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(raw);
  if (!m) throw new HttpProblem(400, 'Bad request', 'If-Match must be an ETag from a previous response, e.g. "3".');
  return Number(m[1]);
}

/**
 * Runs a write with the expected version from If-Match (412 when stale) or from the
 * body (409 when stale). Giving both that disagree is a 400.
 */
export async function withExpectedVersion<T>(
  req: FastifyRequest,
  bodyVersion: number | undefined,
  write: (v?: number) => Promise<T>,
): Promise<T> {
  const header = ifMatchVersion(req);
  if (header !== undefined && bodyVersion !== undefined && header !== bodyVersion) {
    throw new HttpProblem(400, 'Bad request', 'If-Match and body "version" disagree.');
  }
  try {
    return await write(header ?? bodyVersion);
  } catch (err) {
    if (err instanceof VersionMismatchError && header !== undefined) {
      throw new HttpProblem(412, 'Precondition failed', err.message, { current_version: err.current });
    }
    throw err;
  }
}
