'use client';
import { useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useEffect, useState } from 'react';
import { authClient } from '@/lib/auth-client';
import { Logo } from './icons';

type Mode = 'sign-in' | 'sign-up';

export function AuthForm({ mode }: { mode: Mode }) {
  const router = useRouter();
  const qc = useQueryClient();
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [next, setNext] = useState('/');

  useEffect(() => {
    const sp = new URLSearchParams(window.location.search);
    if (sp.get('expired')) setNotice('Your session has expired. Sign in again to pick up where you left off.');
    const n = sp.get('next');
    if (n && n.startsWith('/') && !n.startsWith('//')) setNext(n);
  }, []);

  async function onSubmit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const email = String(form.get('email') ?? '').trim();
    const password = String(form.get('password') ?? '');
    const name = String(form.get('name') ?? '').trim();
    const fe: Record<string, string> = {};
    if (!/^\S+@\S+\.\S+$/.test(email)) fe.email = 'Enter a valid e-mail address.';
    if (password.length < 8) fe.password = 'Use at least 8 characters.';
    if (mode === 'sign-up' && !name) fe.name = 'Tell us what to call you.';
    setFieldErrors(fe);
    setError(null);
    if (Object.keys(fe).length) return;
    setBusy(true);
    try {
      const res =
        mode === 'sign-up' ? await authClient.signUp.email({ email, password, name }) : await authClient.signIn.email({ email, password });
      if (res.error) {
        const msg = res.error.message || res.error.statusText || 'Something went wrong.';
        if (/exist/i.test(msg)) setFieldErrors({ email: msg });
        else if (/password/i.test(msg) && mode === 'sign-up') setFieldErrors({ password: msg });
        else setError(mode === 'sign-in' && res.error.status === 401 ? 'Wrong e-mail or password.' : msg);
        return;
      }
      qc.clear();
      router.replace(next);
    } catch {
      setError('Could not reach the server. Check your connection and try again.');
    } finally {
      setBusy(false);
    }
  }

  const title = mode === 'sign-up' ? 'Create your account' : 'Sign in to Kairos';
  return (
    <main className="flex min-h-dvh items-center justify-center bg-zinc-50 px-4 py-10 dark:bg-zinc-950">
      <div className="w-full max-w-sm">
        <div className="mb-8 flex items-center justify-center gap-2 text-xl font-semibold">
          <Logo className="h-7 w-7 text-accent-600 dark:text-accent-400" /> Kairos
        </div>
        <div className="rounded-2xl border border-zinc-200 bg-white p-6 shadow-sm dark:border-zinc-800 dark:bg-zinc-900">
          <h1 className="mb-1 text-lg font-semibold">{title}</h1>
          <p className="mb-5 text-sm text-zinc-600 dark:text-zinc-400">
            {mode === 'sign-up' ? 'Plan your day in seconds. Free, no card.' : 'Welcome back.'}
          </p>
          {notice && (
            <p role="status" className="mb-4 rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:bg-amber-950 dark:text-amber-200">
              {notice}
            </p>
          )}
          {error && (
            <p role="alert" className="mb-4 rounded-md bg-red-50 px-3 py-2 text-sm text-red-800 dark:bg-red-950 dark:text-red-200">
              {error}
            </p>
          )}
          <form onSubmit={onSubmit} noValidate className="space-y-4">
            {mode === 'sign-up' && <Field label="Name" name="name" autoComplete="name" error={fieldErrors.name} />}
            <Field label="E-mail" name="email" type="email" autoComplete="email" error={fieldErrors.email} />
            <Field
              label="Password"
              name="password"
              type="password"
              autoComplete={mode === 'sign-up' ? 'new-password' : 'current-password'}
              error={fieldErrors.password}
              hint={mode === 'sign-up' ? 'At least 8 characters.' : undefined}
            />
            <button
              type="submit"
              disabled={busy}
              className="w-full rounded-lg bg-accent-600 px-4 py-2.5 text-sm font-semibold text-white hover:bg-accent-700 disabled:opacity-60"
            >
              {busy ? 'Please wait…' : mode === 'sign-up' ? 'Create account' : 'Sign in'}
            </button>
          </form>
        </div>
        <p className="mt-6 text-center text-sm text-zinc-600 dark:text-zinc-400">
          {mode === 'sign-up' ? (
            <>
              Already have an account?{' '}
              <Link className="font-medium text-accent-700 underline-offset-2 hover:underline dark:text-accent-400" href="/sign-in">
                Sign in
              </Link>
            </>
          ) : (
            <>
              New to Kairos?{' '}
              <Link className="font-medium text-accent-700 underline-offset-2 hover:underline dark:text-accent-400" href="/sign-up">
                Create an account
              </Link>
            </>
          )}
        </p>
      </div>
    </main>
  );
}

function Field(props: { label: string; name: string; type?: string; autoComplete?: string; error?: string; hint?: string }) {
  const id = `f-${props.name}`;
  const describedBy = props.error ? `${id}-err` : props.hint ? `${id}-hint` : undefined;
  return (
    <div>
      <label htmlFor={id} className="mb-1 block text-sm font-medium">
        {props.label}
      </label>
      <input
        id={id}
        name={props.name}
        type={props.type ?? 'text'}
        autoComplete={props.autoComplete}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={describedBy}
        className={`w-full rounded-lg border bg-white px-3 py-2 text-sm outline-none focus:ring-2 focus:ring-accent-500 dark:bg-zinc-950 ${
          props.error ? 'border-red-500' : 'border-zinc-300 dark:border-zinc-700'
        }`}
      />
      {props.error ? (
        <p id={`${id}-err`} className="mt-1 text-sm text-red-700 dark:text-red-400">
          {props.error}
        </p>
      ) : props.hint ? (
        <p id={`${id}-hint`} className="mt-1 text-xs text-zinc-600 dark:text-zinc-400">
          {props.hint}
        </p>
      ) : null}
    </div>
  );
}
