'use client';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useEffect, useRef } from 'react';
import { setUnauthorizedHandler } from './api/client';

/**
 * The list page reads the Better Auth session with one fetch instead of loading the
 * full auth client (keeps the page's first-load JS small); the sign-in and sign-up
 * pages use `better-auth/react`.
 */
export interface Session {
  user: { id: string; email: string; name: string };
}

export function useSession() {
  return useQuery({
    queryKey: ['session'],
    queryFn: async (): Promise<Session | null> => {
      const res = await fetch('/api/auth/get-session', { credentials: 'same-origin', headers: { accept: 'application/json' } });
      if (res.status === 401) return null;
      if (!res.ok) throw new Error(`Session check failed (${res.status})`);
      const body = (await res.json()) as Session | null;
      return body && body.user ? body : null;
    },
    staleTime: 5 * 60_000,
    retry: 2,
  });
}

/** Signs out; `everywhere` first ends every session of the user (all devices and browsers). */
export async function signOut(opts: { everywhere?: boolean } = {}) {
  if (opts.everywhere) {
    await fetch('/api/auth/revoke-sessions', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    }).catch(() => {});
  }
  await fetch('/api/auth/sign-out', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  }).catch(() => {});
}

/**
 * The signed-in user's session; without one, off to sign-in. A 401 from the API (the
 * session expired or was revoked) clears the cache and goes to sign-in with a notice,
 * coming back to this view afterwards.
 */
export function useSignedIn() {
  const router = useRouter();
  const qc = useQueryClient();
  const session = useSession();
  const expired = useRef(false);
  useEffect(() => {
    setUnauthorizedHandler(() => {
      if (expired.current) return;
      expired.current = true;
      qc.clear();
      router.replace(`/sign-in?expired=1&next=${encodeURIComponent(location.pathname + location.search)}`);
    });
  }, [qc, router]);
  useEffect(() => {
    if (session.isSuccess && !session.data && !expired.current) router.replace('/sign-in');
  }, [session.isSuccess, session.data, router]);
  return session;
}
