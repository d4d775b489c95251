/**
 * The API client: `openapi-fetch` over the paths of the generated contract, so every
 * path, parameter, body and response is typed by the backend's OpenAPI document.
 * `ok()` turns a call into its data, or an `ApiError` carrying the problem+json body
 * (`fieldErrors()` by `errors[].path`); a 401 first tells the unauthorized handler.
 */
import createClient from 'openapi-fetch';
import { ApiError } from './error';
import type { paths } from './schema';
import type { Problem } from './types';

export { ApiError };

type Unauthorized = () => void;
let onUnauthorized: Unauthorized = () => {};
/** Called once per 401 from the API: the session expired or was revoked. */
export function setUnauthorizedHandler(fn: Unauthorized) {
  onUnauthorized = fn;
}

export const client = createClient<paths>({
  credentials: 'same-origin',
  headers: { accept: 'application/json, application/problem+json' },
  // lists go as `priority=high,low`, the form the API documents
  querySerializer: { array: { style: 'form', explode: false } },
});

/** The data of a successful call; an `ApiError` for anything else. */
export async function ok<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await call;
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, { title: 'Network error', detail: 'Could not reach the server. Check your connection.' });
  }
  const { response, error } = result;
  if (response.status === 401) {
    onUnauthorized();
    throw new ApiError(401, { title: 'Signed out', detail: 'Your session has expired.' });
  }
  if (!response.ok) {
    const p = (
      error && typeof error === 'object' ? error : { detail: error ? String(error).slice(0, 200) : undefined }
    ) as Partial<Problem> & {
      message?: string;
    };
    throw new ApiError(response.status, { ...p, detail: p.detail ?? p.message ?? response.statusText });
  }
  return result.data as T;
}
