/**
 * The start of a window as people type it (`maintenance db 02:30 1h --tz Europe/Warsaw`): `HH:MM`
 * is the next time the clock in that zone shows it, counting the minute it is now, and the second
 * 02:30 of the fall-back night.
 */
import { describe, expect, it } from 'vitest';
import { parseStart } from '../../src/core/maintenance/when.js';

/** What `typed` means at `now` in Europe/Warsaw, as a UTC instant. */
const at = (typed: string, now: string): string => parseStart(typed, 'Europe/Warsaw', new Date(now)).toISOString();

describe('HH:MM', () => {
  it('the current minute is now, not tomorrow (as validate allows a start a minute old)', () => {
    // 10:00:30 in Warsaw (CEST): `10:00` is the window starting now.
    expect(at('10:00', '2025-06-01T08:00:30Z')).toBe('2025-06-01T08:00:00.000Z');
    // A minute that has passed is tomorrow.
    expect(at('09:59', '2025-06-01T08:00:30Z')).toBe('2025-06-02T07:59:00.000Z');
    expect(at('10:01', '2025-06-01T08:00:30Z')).toBe('2025-06-01T08:01:00.000Z');
  });

  it('on the fall-back night, a time the clock shows twice is the next of the two', () => {
    // 2025-10-26: 03:00 CEST becomes 02:00 CET. At 02:45 CEST the clock shows 02:30 again 45 min later.
    expect(at('02:30', '2025-10-26T00:45:00Z')).toBe('2025-10-26T01:30:00.000Z');
    // At 02:15 CET (the second pass), 02:30 is a quarter of an hour away.
    expect(at('02:30', '2025-10-26T01:15:00Z')).toBe('2025-10-26T01:30:00.000Z');
    // Before the change, the first 02:30 (CEST) comes first.
    expect(at('02:30', '2025-10-25T23:00:00Z')).toBe('2025-10-26T00:30:00.000Z');
    // Once both have passed, tomorrow's.
    expect(at('02:30', '2025-10-26T01:45:00Z')).toBe('2025-10-27T01:30:00.000Z');
  });

  it('on the spring-forward night, a time the clock skips moves forward, as luxon does', () => {
    // 2025-03-30: 02:00 CET becomes 03:00 CEST; 02:30 does not exist that night.
    expect(at('02:30', '2025-03-29T23:00:00Z')).toBe('2025-03-30T01:30:00.000Z');
  });
});
