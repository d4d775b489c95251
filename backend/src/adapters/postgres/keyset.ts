/**
 * Keyset (cursor) pagination over any list of sort keys with mixed directions.
 * A page ends with a cursor holding the last row's key values; the next page asks
 * for rows strictly after that tuple. Unlike OFFSET, pages stay stable while rows
 * are inserted or deleted, and every page costs the same.
 */
import { sql, type SQL } from 'drizzle-orm';

export interface SortKey {
  expr: SQL;
  dir: 'asc' | 'desc';
  /** SQL type the cursor value is cast to when compared. */
  cast: 'int' | 'bigint' | 'text' | 'timestamptz' | 'boolean' | 'real' | 'smallint';
}

export class InvalidCursorError extends Error {}

export function orderBy(keys: SortKey[]): SQL {
  return sql.join(
    keys.map((k) => sql`${k.expr} ${k.dir === 'asc' ? sql`asc` : sql`desc`}`),
    sql`, `,
  );
}

/** (k1 ≷ v1) OR (k1 = v1 AND k2 ≷ v2) OR … — row-value comparison generalised to mixed directions. */
export function after(keys: SortKey[], values: unknown[]): SQL {
  const value = (i: number) => sql`cast(${values[i]} as ${sql.raw(keys[i]!.cast)})`;
  const branches = keys.map((k, i) => {
    const equalPrefix = keys.slice(0, i).map((p, j) => sql`${p.expr} = ${value(j)}`);
    const step = k.dir === 'asc' ? sql`${k.expr} > ${value(i)}` : sql`${k.expr} < ${value(i)}`;
    return sql`(${sql.join([...equalPrefix, step], sql` and `)})`;
  });
  return sql`(${sql.join(branches, sql` or `)})`;
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
