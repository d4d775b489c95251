/**
 * Keyset (cursor) pagination over any list of sort keys with mixed directions.
 * A page ends with a cursor holding the last row's key values; the next page asks
 * for rows strictly after that tuple. Unlike OFFSET, pages stay stable while rows
 * are inserted or deleted, and every page costs the same.
 *
 * Keys are plain SQL text (the list query is assembled as text, see task-repository.ts).
 * A `nullsLast` key sorts NULLs after every value in either direction, written as
 * `NULLS LAST` so that an index on the column can serve the order.
 */
import { InvalidCursorError } from '../../ports/index.js';

export interface SortKey {
  expr: string;
  dir: 'asc' | 'desc';
  /** SQL type the cursor value is cast to when compared. */
  cast: 'int' | 'bigint' | 'text' | 'timestamptz' | 'boolean' | 'real' | 'smallint';
  /** The expression can be NULL; NULLs come last. */
  nullsLast?: boolean;
}

export function orderBy(keys: SortKey[]): string {
  return keys.map((k) => `${k.expr} ${k.dir}${k.nullsLast ? ' nulls last' : ''}`).join(', ');
}

/**
 * (k1 ≷ v1) OR (k1 = v1 AND k2 ≷ v2) OR … — row-value comparison generalised to mixed
 * directions and NULLs-last keys. `param(value)` adds a bind parameter and returns its
 * placeholder (`$n`).
 */
export function after(keys: SortKey[], values: unknown[], param: (value: unknown) => string): string {
  const placeholders = values.map((v, i) => (v === null ? null : `${param(v)}::${keys[i]!.cast}`));
  const branches: string[] = [];
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const v = placeholders[i];
    let step: string | null;
    if (v === null)
      step = k.nullsLast ? null : 'false'; // nothing sorts after NULL
    else {
      step = `${k.expr} ${k.dir === 'asc' ? '>' : '<'} ${v}`;
      if (k.nullsLast) step = `(${step} or ${k.expr} is null)`;
    }
    if (step === null) continue;
    const equalPrefix = keys.slice(0, i).map((p, j) => (placeholders[j] === null ? `${p.expr} is null` : `${p.expr} = ${placeholders[j]}`));
    branches.push(`(${[...equalPrefix, step].join(' and ')})`);
  }
  return branches.length ? `(${branches.join(' or ')})` : 'false';
}

export function encodeCursor(signature: string, values: unknown[]): string {
  return Buffer.from(JSON.stringify({ s: signature, v: values })).toString('base64url');
}

export function decodeCursor(cursor: string, signature: string, arity: number): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError('cursor is not valid');
  }
  const c = parsed as { s?: unknown; v?: unknown };
  if (c.s !== signature) throw new InvalidCursorError('cursor belongs to a different sort or search; start again without a cursor');
  if (!Array.isArray(c.v) || c.v.length !== arity || c.v.some((x) => typeof x === 'object' && x !== null)) {
    throw new InvalidCursorError('cursor is not valid');
  }
  return c.v;
}
