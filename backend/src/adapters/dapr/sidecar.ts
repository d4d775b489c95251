/**
 * A small client for the Dapr sidecar's HTTP API (127.0.0.1:DAPR_HTTP_PORT). Every
 * call has a timeout; a non-2xx answer becomes a DaprError carrying Dapr's error code.
 */
export class DaprError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The sidecar's response body (JSON error details). */
    readonly body = '',
  ) {
    super(message);
  }
}

export interface DaprSidecar {
  request(
    method: string,
    path: string,
    opts?: { body?: unknown; headers?: Record<string, string>; rawBody?: string; timeoutMs?: number },
  ): Promise<Response>;
  json<T>(method: string, path: string, body?: unknown): Promise<T>;
  /** Waits until the sidecar can reach its components (GET /v1.0/healthz/outbound). */
  waitUntilReady(timeoutMs: number): Promise<void>;
}

export function createDaprSidecar(opts: { httpPort: number; apiToken?: string; timeoutMs?: number }): DaprSidecar {
  const base = `http://127.0.0.1:${opts.httpPort}`;
  const timeoutMs = opts.timeoutMs ?? 5000;

  async function request(
    method: string,
    path: string,
    o: { body?: unknown; headers?: Record<string, string>; rawBody?: string; timeoutMs?: number } = {},
  ) {
    const headers: Record<string, string> = { ...(opts.apiToken ? { 'dapr-api-token': opts.apiToken } : {}), ...o.headers };
    let body: string | undefined = o.rawBody;
    if (o.body !== undefined) {
      body = JSON.stringify(o.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(base + path, { method, headers, body, signal: AbortSignal.timeout(o.timeoutMs ?? timeoutMs) });
    if (!res.ok) {
      const text = await res.text();
      let code = '';
      try {
        code = (JSON.parse(text) as { errorCode?: string }).errorCode ?? '';
      } catch {
        /* not JSON */
      }
      throw new DaprError(res.status, code, `dapr ${method} ${path} → ${res.status} ${text.slice(0, 300)}`, text);
    }
    return res;
  }

  return {
    request,
    async json<T>(method: string, path: string, body?: unknown) {
      const res = await request(method, path, body === undefined ? {} : { body });
      const text = await res.text();
      return (text ? JSON.parse(text) : undefined) as T;
    },
    async waitUntilReady(waitMs) {
      const deadline = Date.now() + waitMs;
      for (;;) {
        try {
          await request('GET', '/v1.0/healthz/outbound', { timeoutMs: 1000 });
          return;
        } catch (err) {
          if (Date.now() > deadline)
            throw new Error(`the Dapr sidecar on ${base} is not ready after ${waitMs} ms: ${(err as Error).message}`);
          await new Promise((r) => setTimeout(r, 250));
        }
      }
    },
  };
}
