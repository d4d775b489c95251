import type { ProblemDetails } from './types';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: ProblemDetails,
  ) {
    super(problem.detail || problem.title || `Request failed (${status})`);
  }
  /** Field messages keyed by `errors[].path` (e.g. `title`, `reminders.0.minutes_before`). */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const e of this.problem.errors ?? []) {
      const key = e.path
        .replace(/^\/+/, '')
        .replace(/\//g, '.')
        .replace(/^body\./, '');
      out[key] ??= e.message;
    }
    return out;
  }
}

type Unauthorized = () => void;
let onUnauthorized: Unauthorized = () => {};
/** Called once per 401 from the API: the session expired or was revoked. */
export function setUnauthorizedHandler(fn: Unauthorized) {
  onUnauthorized = fn;
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  keepalive?: boolean;
}

export async function api<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json, application/problem+json', ...opts.headers };
  let body: BodyInit | undefined;
  if (opts.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  let res: Response;
  try {
    res = await fetch(`/api/v1${path}`, {
      method: opts.method ?? 'GET',
      headers,
      body,
      credentials: 'same-origin',
      signal: opts.signal,
      keepalive: opts.keepalive,
    });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, { title: 'Network error', detail: 'Could not reach the server. Check your connection.' });
  }
  if (res.status === 401) {
    onUnauthorized();
    throw new ApiError(401, { title: 'Signed out', detail: 'Your session has expired.' });
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let data: unknown = undefined;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = { detail: text.slice(0, 200) };
    }
  }
  if (!res.ok) {
    const p = (data ?? {}) as ProblemDetails & { message?: string };
    throw new ApiError(res.status, { ...p, detail: p.detail ?? p.message ?? res.statusText });
  }
  return data as T;
}

export function toQueryString(params: Record<string, string | undefined | null>): string {
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') sp.set(k, v);
  const s = sp.toString();
  return s ? `?${s}` : '';
}
