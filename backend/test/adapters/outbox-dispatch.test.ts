import { describe, expect, it } from 'vitest';
import { dispatchByKey } from '../../src/app/relay.js';

const row = (seq: number, user_id: string) => ({ seq, user_id });
const tick = () => new Promise((r) => setTimeout(r, 1));

describe('outbox dispatch by user', () => {
  it("keeps each user's rows in seq order while users proceed concurrently", async () => {
    const rows = [row(1, 'a'), row(2, 'b'), row(3, 'a'), row(4, 'c'), row(5, 'b'), row(6, 'a')];
    const sent: number[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const { done, failure } = await dispatchByKey(rows, 8, async (r) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await tick();
      sent.push(r.seq);
      inFlight--;
    });
    expect(failure).toBeUndefined();
    expect([...done].sort()).toEqual([1, 2, 3, 4, 5, 6]);
    for (const user of ['a', 'b', 'c']) {
      const seqs = rows.filter((r) => r.user_id === user).map((r) => r.seq);
      expect(sent.filter((s) => seqs.includes(s))).toEqual(seqs);
    }
    expect(maxInFlight).toBe(3); // one in flight per user
  });

  it('never runs more users at once than the concurrency', async () => {
    const rows = Array.from({ length: 20 }, (_, i) => row(i + 1, `u${i}`));
    let inFlight = 0;
    let maxInFlight = 0;
    await dispatchByKey(rows, 4, async () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await tick();
      inFlight--;
    });
    expect(maxInFlight).toBe(4);
  });

  it("stops a user's rows at its first failure; other users carry on", async () => {
    const rows = [row(1, 'a'), row(2, 'b'), row(3, 'a'), row(4, 'b')];
    const boom = new Error('broker down');
    const attempted: number[] = [];
    const { done, failure } = await dispatchByKey(rows, 2, async (r) => {
      attempted.push(r.seq);
      if (r.seq === 1) throw boom;
    });
    expect(failure).toBe(boom);
    expect([...done].sort()).toEqual([2, 4]);
    expect(attempted).not.toContain(3); // must not overtake the failed row 1
  });
});
