'use client';
import { createAuthClient } from 'better-auth/react';

/** Same origin: `/api/auth/*` is proxied to the backend, so the session cookie is first-party. */
export const authClient = createAuthClient({
  baseURL: typeof window === 'undefined' ? 'http://localhost:3000' : window.location.origin,
});
