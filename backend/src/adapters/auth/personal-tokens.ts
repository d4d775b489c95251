/**
 * Personal access tokens: long-lived, revocable bearer tokens a user creates for MCP
 * clients (a desktop assistant) and scripts. The token is shown once; only its SHA-256
 * is stored. `kairos_pat_` marks them, so the verifier knows which check applies.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { PersonalAccessTokenStore } from '../../ports/conversations.js';
import { InvalidTokenError, type TokenVerifier } from '../../ports/index.js';

export const PAT_PREFIX = 'kairos_pat_';

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export function generatePersonalToken(): { token: string; tokenHash: string; prefix: string } {
  const token = PAT_PREFIX + randomBytes(32).toString('base64url');
  return { token, tokenHash: hashToken(token), prefix: token.slice(0, PAT_PREFIX.length + 6) };
}

/** Accepts personal access tokens besides what `verify` accepts (JWTs). */
export function withPersonalTokens(verify: TokenVerifier, store: Pick<PersonalAccessTokenStore, 'owner'>): TokenVerifier {
  return async (token) => {
    if (!token.startsWith(PAT_PREFIX)) return verify(token);
    const userId = await store.owner(hashToken(token));
    if (!userId) throw new InvalidTokenError('unknown or revoked personal access token');
    // Checked on every request (revocation applies at once); the principal never expires by itself.
    return { userId, expiresAt: Number.MAX_SAFE_INTEGER };
  };
}
