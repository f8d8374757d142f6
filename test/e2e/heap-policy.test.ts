import { getHeapStatistics } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { HEAP_GROWING_PERCENT, collectBootGarbage, heapGrowingFlag } from '../../src/cli/heap-policy.js';

describe('heap policy of opsbot serve', () => {
  it('asks V8 for a bounded old-generation growth by default', () => {
    expect(heapGrowingFlag([], undefined)).toBe(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
    expect(heapGrowingFlag(['--enable-source-maps'], '--max-old-space-size=512')).toBe(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  });

  it("leaves the operator's own choice alone, however it is spelt and wherever it is given", () => {
    expect(heapGrowingFlag(['--heap-growing-percent=50'], undefined)).toBeNull();
    expect(heapGrowingFlag([], '--max-old-space-size=512 --heap_growing_percent=5')).toBeNull();
  });

  it('collects the garbage of booting in one full collection, without exposing `gc` to the program', () => {
    // About 30 MB of objects that are garbage as soon as this block ends.
    let garbage: { i: number; s: string }[][] | null = [];
    for (let round = 0; round < 10; round += 1) garbage.push(Array.from({ length: 50_000 }, (_, i) => ({ i, s: `boot-${round}-${i}` })));
    const before = getHeapStatistics().used_heap_size;
    garbage = null;
    collectBootGarbage();
    const after = getHeapStatistics().used_heap_size;
    expect(before - after).toBeGreaterThan(10 * 1024 * 1024);
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
  });
});
