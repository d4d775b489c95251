import type { Problem } from './types';

/** A failed API call: its status and problem+json body. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Partial<Problem>,
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
