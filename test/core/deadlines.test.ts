import { afterEach, describe, expect, it, vi } from 'vitest';
import { DeadlineWatcher } from '../../src/core/deadlines.js';

describe('DeadlineWatcher', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('expires what is not untracked in time, and only that', () => {
    vi.useFakeTimers();
    const watcher = new DeadlineWatcher(() => Date.now(), 100);
    const expired: string[] = [];
    watcher.track(250, () => expired.push('slow'));
    const untrack = watcher.track(250, () => expired.push('answered'));
    untrack();
    vi.advanceTimersByTime(200);
    expect(expired).toEqual([]);
    vi.advanceTimersByTime(100);
    expect(expired).toEqual(['slow']);
    vi.advanceTimersByTime(1_000);
    expect(expired).toEqual(['slow']);
  });

  it('stops sweeping when nothing is pending, so it never keeps the process alive or busy', () => {
    vi.useFakeTimers();
    const watcher = new DeadlineWatcher(() => Date.now(), 100);
    watcher.track(50, () => undefined);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(100);
    expect(vi.getTimerCount()).toBe(0);
  });
});
