/**
 * One rule for the text of every request, checked in one place before any route's
 * schema: no string in the body, the query string or the path — value or object key —
 * may contain a control character other than tab, line feed and carriage return
 * (U+0000–U+0008, U+000B, U+000C, U+000E–U+001F, U+007F). Such a request is a 400
 * problem naming the field; it never reaches the database (PostgreSQL refuses NUL in
 * text and JSON, which used to surface as a 500).
 */
import type { FastifyInstance } from 'fastify';
import { HttpProblem } from './problem.js';

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

/** Deeper than any request body the API accepts; deeper input is refused rather than walked. */
const MAX_DEPTH = 32;

export const CONTROL_CHARACTER_RULE =
  'Text must not contain control characters other than tab, line feed and carriage return (U+0000–U+0008, U+000B, U+000C, U+000E–U+001F, U+007F).';

/**
 * Whether anything in `value` breaks the rule (or is nested too deeply to tell). It runs
 * on every request, the sidecar's bulk deliveries included, so it allocates nothing; the
 * path is worked out only for a request that is refused.
 */
function breaksRule(value: unknown, depth: number): boolean {
  if (typeof value === 'string') return CONTROL.test(value);
  if (value === null || typeof value !== 'object') return false;
  if (depth > MAX_DEPTH) return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (breaksRule(value[i], depth + 1)) return true;
    return false;
  }
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (CONTROL.test(key) || breaksRule((value as Record<string, unknown>)[key], depth + 1)) return true;
  }
  return false;
}

/** The path of the first string (or key) in `value` that breaks the rule, or null. */
export function findControlCharacter(value: unknown, path: string[] = [], depth = 0): string[] | 'too-deep' | null {
  if (depth === 0 && !breaksRule(value, 0)) return null;
  if (typeof value === 'string') return CONTROL.test(value) ? path : null;
  if (value === null || typeof value !== 'object') return null;
  if (depth > MAX_DEPTH) return 'too-deep';
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findControlCharacter(value[i], [...path, String(i)], depth + 1);
      if (found) return found;
    }
    return null;
  }
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    if (CONTROL.test(key)) return [...path, key.replace(new RegExp(CONTROL.source, 'g'), '?')];
    const found = findControlCharacter(item, [...path, key], depth + 1);
    if (found) return found;
  }
  return null;
}

export function registerInputRules(app: FastifyInstance): void {
  app.addHook('preValidation', (req, _reply, done) => {
    const parts: Array<[string, unknown]> = [
      ['params', req.params],
      ['querystring', req.query],
      ['body', req.body],
    ];
    for (const [where, value] of parts) {
      const found = findControlCharacter(value);
      if (found === null) continue;
      if (found === 'too-deep') {
        throw new HttpProblem(400, 'Invalid request', `The ${where} is nested too deeply.`, {
          type: '/problems/validation',
          errors: [{ path: where, message: 'is nested too deeply' }],
        });
      }
      const path = (where === 'body' ? found : [where, ...found]).join('.') || where;
      throw new HttpProblem(400, 'Invalid request', `${path}: ${CONTROL_CHARACTER_RULE}`, {
        type: '/problems/validation',
        errors: [{ path, message: 'must not contain control characters (tab, line feed and carriage return are allowed)' }],
      });
    }
    done();
  });
}
