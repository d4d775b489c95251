// Calls that arrive while a batch runs go together as the next one; a lone call runs at once.
import { describe, expect, it } from 'vitest';
import { coalescing } from '../../src/app/batching.js';

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

describe('coalescing', () => {
  it('runs a lone call at once, then groups the calls that came meanwhile into the next batch', async () => {
    const batches: number[][] = [];
    const gate = deferred();
    const double = coalescing(async (items: number[]) => {
      batches.push(items);
      if (batches.length === 1) await gate.promise;
      return items.map((i) => i * 2);
    });
    const first = double(1);
    expect(batches).toEqual([[1]]); // started synchronously, no timer
    const rest = [2, 3, 4].map(double);
    gate.resolve();
    expect(await Promise.all([first, ...rest])).toEqual([2, 4, 6, 8]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it('caps a batch at maxBatch', async () => {
    const sizes: number[] = [];
    const gate = deferred();
    const echo = coalescing(async (items: number[]) => {
      sizes.push(items.length);
      if (sizes.length === 1) await gate.promise;
      return items;
    }, 3);
    const all = Array.from({ length: 8 }, (_, i) => echo(i));
    gate.resolve();
    expect(await Promise.all(all)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(sizes).toEqual([1, 3, 3, 1]);
  });

  it("fails only the failing batch's callers, and keeps going", async () => {
    const gate = deferred();
    let calls = 0;
    const f = coalescing(async (items: string[]) => {
      calls++;
      if (calls === 1) await gate.promise;
      if (items.includes('bad')) throw new Error('batch failed');
      return items.map((s) => s.toUpperCase());
    });
    const a = f('a');
    const b = f('b');
    const bad = f('bad');
    gate.resolve();
    expect(await a).toBe('A');
    await expect(b).rejects.toThrow('batch failed');
    await expect(bad).rejects.toThrow('batch failed');
    expect(await f('c')).toBe('C');
  });
});
