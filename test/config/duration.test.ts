import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../src/config/duration.js';

describe('parseDuration', () => {
  it.each([
    ['90s', 90_000],
    ['5m', 300_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['250ms', 250],
    ['1h30m', 5_400_000],
    ['1h 30m', 5_400_000],
    ['1d 2h 3m 4s 5ms', 93_784_005],
    ['0s', 0],
    ['1500', 1500],
    ['0', 0],
  ])('reads %s as %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', ' ', '5 minutes', '1.5h', '-5s', '5x', 'm', '30m1h', '1m1m', '1h  30m', ' 5s', '5s ', '5S', '1w', '1234567d', '1e3', 'ms'])(
    'rejects %j',
    (text) => {
      expect(parseDuration(text)).toBeNull();
    },
  );

  it('keeps within safe integers at the largest accepted values', () => {
    expect(Number.isSafeInteger(parseDuration('999999d 999999h 999999m 999999s 999999ms'))).toBe(true);
    expect(parseDuration('999999999999999')).toBe(999_999_999_999_999);
    expect(parseDuration('9999999999999999')).toBeNull();
  });
});

describe('formatDuration', () => {
  it.each([
    [5_400_000, '1h 30m'],
    [45_000, '45s'],
    [250, '250ms'],
    [0, '0s'],
    [93_784_005, '1d 2h 3m 4s 5ms'],
    [90_000, '1m 30s'],
    [-1500, '-1s 500ms'],
    [1.4, '1ms'],
  ])('writes %d ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('round-trips through parseDuration', () => {
    for (const ms of [0, 1, 999, 1000, 59_999, 60_000, 3_599_999, 86_400_000, 93_784_005, 123_456_789, 86_399_999_999]) {
      expect(parseDuration(formatDuration(ms))).toBe(ms);
    }
    for (const text of ['90s', '5m', '2h', '1d', '1h 30m', '250ms']) {
      expect(formatDuration(parseDuration(text)!)).toBe(formatDuration(parseDuration(text.replace(' ', ''))!));
    }
  });
});
