/** Latest-wins throttle, on fake timers (setTimeout and Date both faked, so the clock is exact). */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Throttle } from '../../src/core/jobs/throttle.js';

describe('Throttle', () => {
  let delivered: number[];
  let throttle: Throttle<number>;

  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
    delivered = [];
    throttle = new Throttle<number>(100, (v) => delivered.push(v), () => Date.now());
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('delivers the first value at once', () => {
    throttle.push(1);
    expect(delivered).toEqual([1]);
  });

  it('turns a burst into the first value and, one interval later, the latest', () => {
    for (let i = 1; i <= 10; i += 1) throttle.push(i);
    expect(delivered).toEqual([1]);
    vi.advanceTimersByTime(99);
    expect(delivered).toEqual([1]);
    vi.advanceTimersByTime(1);
    expect(delivered).toEqual([1, 10]);
    vi.advanceTimersByTime(1_000);
    expect(delivered).toEqual([1, 10]);
  });

  it('delivers at most one value per interval during a long stream', () => {
    for (let t = 0; t < 1_000; t += 10) {
      throttle.push(t);
      vi.advanceTimersByTime(10);
    }
    vi.advanceTimersByTime(1_000);
    // 1 000 ms of pushes every 10 ms: one delivery per 100 ms, and the last value is not lost.
    expect(delivered.length).toBeLessThanOrEqual(11);
    expect(delivered.at(-1)).toBe(990);
    for (let i = 1; i < delivered.length; i += 1) expect(delivered[i]).toBeGreaterThan(delivered[i - 1] as number);
  });

  it('delivers again at once after a quiet interval', () => {
    throttle.push(1);
    vi.advanceTimersByTime(150);
    throttle.push(2);
    expect(delivered).toEqual([1, 2]);
  });

  it('flush delivers the pending value now and cancels the scheduled delivery', () => {
    throttle.push(1);
    throttle.push(2);
    throttle.push(3);
    throttle.flush();
    expect(delivered).toEqual([1, 3]);
    vi.advanceTimersByTime(1_000);
    expect(delivered).toEqual([1, 3]);
  });

  it('discard drops the pending value and its timer; a later push is delivered as usual', () => {
    throttle.push(1);
    throttle.push(2);
    throttle.discard();
    vi.advanceTimersByTime(1_000);
    expect(delivered).toEqual([1]);
    expect(vi.getTimerCount()).toBe(0);
    throttle.push(3);
    expect(delivered).toEqual([1, 3]);
  });

  it('flush with nothing pending delivers nothing', () => {
    throttle.push(1);
    throttle.flush();
    throttle.flush();
    expect(delivered).toEqual([1]);
  });
});

describe('Throttle with a call in reserve (live job posts keep one edit for the final state)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('spaces the k-th call k + 1 intervals after the first, so the reserved call never breaks the rate', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const delivered: number[] = [];
    const times: number[] = [];
    const throttle = new Throttle<number>(100, (v) => (delivered.push(v), times.push(Date.now())), () => Date.now(), 1);
    for (let t = 0; t < 1_000; t += 10) {
      throttle.push(t);
      vi.advanceTimersByTime(10);
    }
    vi.advanceTimersByTime(1_000);
    // The first at once, then one call every interval from two intervals on; the last value arrives.
    expect(times.map((t) => t - 1_000_000)).toEqual([0, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
    expect(delivered.at(-1)).toBe(990);
    // Calls made plus the one in reserve fit one per interval since the first call, at every moment.
    times.forEach((t, i) => expect(i + 2).toBeLessThanOrEqual(1 + Math.floor((t - 1_000_000) / 100) + 1));
  });

  it('holds back a progress call that would leave no room for the final one in a short run', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const delivered: number[] = [];
    const throttle = new Throttle<number>(2_000, (v) => delivered.push(v), () => Date.now(), 1);
    throttle.push(1);
    vi.advanceTimersByTime(500);
    throttle.push(2);
    vi.advanceTimersByTime(2_000); // 2.5 s: without the reserve the second call would have gone at 2 s
    expect(delivered).toEqual([1]);
    throttle.flush();
    expect(delivered).toEqual([1, 2]);
  });
});
