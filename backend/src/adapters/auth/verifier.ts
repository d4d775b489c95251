/**
 * Verifies the bearer JWTs Better Auth issues. Every role uses this: the api reads the
 * key set in-process, other roles fetch `/api/auth/jwks`. Verified tokens are cached
 * until they expire, so a client's repeated requests cost a map lookup, not a signature check.
 */
import { createLocalJWKSet, createRemoteJWKSet, jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { InvalidTokenError, type Principal, type TokenVerifier } from '../../ports/index.js';
import { JWT_AUDIENCE, JWT_ISSUER } from './better-auth.js';

export type KeySource = { url: string } | { load: () => Promise<JSONWebKeySet> };

export function createTokenVerifier(source: KeySource, opts: { cacheSize?: number } = {}): TokenVerifier {
  const cacheSize = opts.cacheSize ?? 10_000;
  const cache = new Map<string, Principal>();
  let getKey: JWTVerifyGetKey;
  if ('url' in source) {
    getKey = createRemoteJWKSet(new URL(source.url), { cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 });
  } else {
    // Reload the local key set when a token names a key we do not know yet (rotation).
    let local: { set: JWTVerifyGetKey; kids: Set<string> } | undefined;
    const refresh = async () => {
      const set = await source.load();
      local = { set: createLocalJWKSet(set), kids: new Set(set.keys.map((k) => String(k.kid))) };
      return local;
    };
    getKey = async (header, token) => {
      let current = local ?? (await refresh());
      if (header.kid && !current.kids.has(header.kid)) current = await refresh();
      return current.set(header, token);
    };
  }

  return async (token) => {
    const now = Date.now() / 1000;
    const hit = cache.get(token);
    if (hit && hit.expiresAt > now) return hit;
    if (hit) cache.delete(token);
    try {
      const { payload } = await jwtVerify(token, getKey, { issuer: JWT_ISSUER, audience: JWT_AUDIENCE });
      if (typeof payload.sub !== 'string' || !payload.sub || typeof payload.exp !== 'number') {
        throw new InvalidTokenError('token has no subject or expiry');
      }
      const principal: Principal = {
        userId: payload.sub,
        expiresAt: payload.exp,
        ...(typeof payload.email === 'string' ? { email: payload.email } : {}),
      };
      if (cache.size >= cacheSize) cache.delete(cache.keys().next().value!);
      cache.set(token, principal);
      return principal;
    } catch (err) {
      if (err instanceof InvalidTokenError) throw err;
      throw new InvalidTokenError((err as Error).message);
    }
  };
}
