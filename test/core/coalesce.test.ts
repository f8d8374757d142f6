import { describe, expect, it } from 'vitest';
import { coalesce } from '../../src/core/coalesce.js';

/** A stand-in store: doubles numbers, refuses 13, and records every run it was given. */
function recorder() {
  const runs: { items: number[]; context: number }[] = [];
  const run = async (items: readonly number[], context: number): Promise<number[]> => {
    runs.push({ items: [...items], context });
    await Promise.resolve();
    if (items.includes(13)) throw new Error('13 is refused');
    return items.map((n) => n * 2);
  };
  return { runs, run };
}

describe('coalesce', () => {
  it('runs the calls of one turn together and gives each caller its own results, in order', async () => {
    const { runs, run } = recorder();
    const call = coalesce(run, Math.max, 100);
    const results = await Promise.all([call([1, 2], 5), call([3], 9), call([4, 5, 6], 7)]);
    expect(results).toEqual([[2, 4], [6], [8, 10, 12]]);
    // One run, with the latest context.
    expect(runs).toEqual([{ items: [1, 2, 3, 4, 5, 6], context: 9 }]);
  });

  it('runs a call of a later turn on its own', async () => {
    const { runs, run } = recorder();
    const call = coalesce(run, Math.max, 100);
    expect(await call([1], 1)).toEqual([2]);
    expect(await call([2], 2)).toEqual([4]);
    expect(runs.map((r) => r.items)).toEqual([[1], [2]]);
  });

  it('keeps a joint run within maxItems, and never splits one caller', async () => {
    const { runs, run } = recorder();
    const call = coalesce(run, Math.max, 3);
    const results = await Promise.all([call([1, 2], 0), call([3], 0), call([4, 5], 0), call([6, 7, 8, 9], 0)]);
    expect(results).toEqual([[2, 4], [6], [8, 10], [12, 14, 16, 18]]);
    expect(runs.map((r) => r.items)).toEqual([[1, 2, 3], [4, 5], [6, 7, 8, 9]]);
  });

  it("gives nobody the error of someone else's items", async () => {
    const { runs, run } = recorder();
    const call = coalesce(run, Math.max, 100);
    const settled = await Promise.allSettled([call([1], 1), call([13, 14], 2), call([3], 3)]);
    expect(settled[0]).toEqual({ status: 'fulfilled', value: [2] });
    expect(settled[1]).toMatchObject({ status: 'rejected', reason: new Error('13 is refused') });
    expect(settled[2]).toEqual({ status: 'fulfilled', value: [6] });
    // The joint run failed, then each caller ran alone, in arrival order, with its own context.
    expect(runs).toEqual([
      { items: [1, 13, 14, 3], context: 3 },
      { items: [1], context: 1 },
      { items: [13, 14], context: 2 },
      { items: [3], context: 3 },
    ]);
  });

  it('passes a lone caller its own error', async () => {
    const { run } = recorder();
    const call = coalesce(run, Math.max, 100);
    await expect(call([13], 0)).rejects.toThrow('13 is refused');
    expect(await call([1], 0)).toEqual([2]);
  });
});
