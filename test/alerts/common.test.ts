/**
 * The small conversions every alert parser shares. parseTime and safeUrl remember their answers per
 * text, and oneLine skips texts that need no tidying: the answers must be the same as without.
 */
import { describe, expect, it } from 'vitest';
import { oneLine, parseTime, safeUrl } from '../../src/alert-sources/common.js';

describe('parseTime', () => {
  it.each([
    ['2026-01-15T10:00:00Z', '2026-01-15T10:00:00.000Z'],
    ['2026-01-15T10:00:00.123456789Z', '2026-01-15T10:00:00.123Z'],
    ['2026-01-15T12:00:00+02:00', '2026-01-15T10:00:00.000Z'],
    ['2026-01-15T12:00:00+0200', '2026-01-15T10:00:00.000Z'],
    ['2026-01-15 10:00:00', '2026-01-15T10:00:00.000Z'],
    ['  2026-01-15T10:00:00Z  ', '2026-01-15T10:00:00.000Z'],
  ])('reads %j', (text, iso) => {
    // Twice: the second answer comes from memory and must be the same.
    expect(parseTime(text)?.toISOString()).toBe(iso);
    expect(parseTime(text)?.toISOString()).toBe(iso);
  });

  it.each(['0001-01-01T00:00:00Z', 'yesterday', '', '2026-13-45T99:00:00Z'])('reads %j as no time', (text) => {
    expect(parseTime(text)).toBeNull();
    expect(parseTime(text)).toBeNull();
  });

  it('gives a fresh Date each time, so no caller can change another one', () => {
    const a = parseTime('2026-02-01T00:00:00Z');
    const b = parseTime('2026-02-01T00:00:00Z');
    expect(a).not.toBe(b);
    a?.setTime(0);
    expect(b?.toISOString()).toBe('2026-02-01T00:00:00.000Z');
    expect(parseTime('2026-02-01T00:00:00Z')?.toISOString()).toBe('2026-02-01T00:00:00.000Z');
  });

  it('stays right past the bound of what it remembers', () => {
    for (let i = 0; i < 25_000; i++) {
      const ms = Date.UTC(2026, 0, 1) + i * 1000;
      expect(parseTime(new Date(ms).toISOString())?.getTime()).toBe(ms);
    }
  });
});

describe('safeUrl', () => {
  it('keeps http(s) URLs, normalised, and refuses everything else, the same way every time', () => {
    for (let round = 0; round < 2; round++) {
      expect(safeUrl('https://runbooks.example/db')).toBe('https://runbooks.example/db');
      expect(safeUrl('HTTP://Grafana.Example:3000/d/x?y=1')).toBe('http://grafana.example:3000/d/x?y=1');
      expect(safeUrl(' https://a.example/ ')).toBe('https://a.example/');
      expect(safeUrl('javascript:alert(1)')).toBeUndefined();
      expect(safeUrl('file:///etc/passwd')).toBeUndefined();
      expect(safeUrl('not a url')).toBeUndefined();
      expect(safeUrl(`https://a.example/${'x'.repeat(5000)}`)).toBeUndefined();
      expect(safeUrl(undefined)).toBeUndefined();
    }
  });
});

describe('oneLine', () => {
  it.each([
    ['disk full on db-1', 'disk full on db-1'],
    ['disk  full', 'disk full'],
    ['disk\nfull\ton\r\ndb-1', 'disk full on db-1'],
    [' leading and trailing ', 'leading and trailing'],
    ['no\u00a0break space', 'no break space'],
    ['', ''],
  ])('makes %j one tidy line', (text, line) => {
    expect(oneLine(text)).toBe(line);
  });

  it('cuts a long summary with an ellipsis', () => {
    const line = oneLine('word '.repeat(200));
    expect(line.length).toBe(500);
    expect(line.endsWith('…')).toBe(true);
  });
});
