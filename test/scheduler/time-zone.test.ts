/**
 * The time-zone check behind every schedule and maintenance window. UTC, the config's default, is
 * known without ICU: a first Intl.DateTimeFormat maps several MB of time-zone data into the process.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isTimeZone } from '../../src/core/scheduler/cron.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('isTimeZone', () => {
  it('knows UTC without asking ICU', () => {
    const format = vi.spyOn(Intl, 'DateTimeFormat');
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('Etc/UTC')).toBe(true);
    expect(format).not.toHaveBeenCalled();
  });

  it('asks ICU for every other zone, and refuses what it does not know', () => {
    const format = vi.spyOn(Intl, 'DateTimeFormat');
    expect(isTimeZone('Europe/Warsaw')).toBe(true);
    expect(isTimeZone('America/Argentina/Buenos_Aires')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
    expect(isTimeZone('')).toBe(false);
    expect(isTimeZone(' ')).toBe(false);
    expect(format).toHaveBeenCalledTimes(3);
  });
});
