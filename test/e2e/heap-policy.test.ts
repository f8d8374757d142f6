import { describe, expect, it } from 'vitest';
import { HEAP_GROWING_PERCENT, heapGrowingFlag } from '../../src/cli/heap-policy.js';

describe('heap policy of opsbot serve', () => {
  it('asks V8 for a bounded old-generation growth by default', () => {
    expect(heapGrowingFlag([], undefined)).toBe(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
    expect(heapGrowingFlag(['--enable-source-maps'], '--max-old-space-size=512')).toBe(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  });

  it("leaves the operator's own choice alone, however it is spelt and wherever it is given", () => {
    expect(heapGrowingFlag(['--heap-growing-percent=50'], undefined)).toBeNull();
    expect(heapGrowingFlag([], '--max-old-space-size=512 --heap_growing_percent=5')).toBeNull();
  });
});
