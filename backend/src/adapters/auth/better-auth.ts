/**
 * Better Auth: e-mail + password accounts, browser sessions (cookie) and short-lived
 * JWTs for API clients (`GET /api/auth/token`), with the public keys at
 * `GET /api/auth/jwks` so every role can verify tokens without a database.
 */
import { betterAuth } from 'better-auth';
import { drizzleAdapter } from 'better-auth/adapters/drizzle';
import { jwt } from 'better-auth/plugins';
import type { Db } from '../postgres/db.js';
import { account, jwks, session, user, verification } from '../postgres/schema.js';

export const JWT_ISSUER = 'kairos';
export const JWT_AUDIENCE = 'kairos-api';

export interface AuthOptions {
  db: Db;
  secret: string;
  baseURL: string;
  trustedOrigins: string[];
  jwtTtl: string;
}

export function createAuth(opts: AuthOptions) {
  return betterAuth({
    appName: 'Kairos',
    baseURL: opts.baseURL,
    basePath: '/api/auth',
    secret: opts.secret,
    trustedOrigins: opts.trustedOrigins,
    database: drizzleAdapter(opts.db, { provider: 'pg', schema: { user, session, account, verification, jwks } }),
    emailAndPassword: { enabled: true, minPasswordLength: 8, maxPasswordLength: 128, autoSignIn: true },
    session: {
      expiresIn: 7 * 24 * 3600,
      updateAge: 24 * 3600,
      // No cookie cache: every cookie-authenticated request (and every GET /api/auth/token) looks
      // the session up, so sign-out and revocation take effect at once. A cached signed cookie
      // would be trusted for its lifetime after the session row is gone.
      cookieCache: { enabled: false },
    },
    // Sign-in/up are rate-limited by the HTTP layer per client address (see http/routes/auth.ts).
    rateLimit: { enabled: false },
    telemetry: { enabled: false },
    plugins: [jwt({ jwt: { issuer: JWT_ISSUER, audience: JWT_AUDIENCE, expirationTime: opts.jwtTtl } })],
  });
}

export type Auth = ReturnType<typeof createAuth>;
