/** Structured JSON logs (pino) with the role and app id on every line; credentials never logged. */
import pino, { type Logger } from 'pino';
import { logContext } from './tracing.js';

export function createLogger(opts: { level: string; role: string; appId?: string }): Logger {
  return pino({
    level: opts.level,
    base: { role: opts.role, ...(opts.appId ? { app_id: opts.appId } : {}) },
    timestamp: pino.stdTimeFunctions.isoTime,
    // trace_id / span_id of the active span: a log line leads to its trace
    mixin: logContext,
    formatters: { level: (label) => ({ level: label }) },
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'headers.cookie', 'password', '*.password'],
      censor: '[redacted]',
    },
  });
}
