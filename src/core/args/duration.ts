/**
 * Durations as people write them in config and chat: `90s`, `5m`, `2h`, `1d`, `250ms`, `1h30m`,
 * `1h 30m`, or a plain integer meaning milliseconds. Units must run from largest to smallest and
 * appear at most once, so `30m1h` and `1m1m` are rejected as the likely typos they are. Each number
 * has at most 6 digits (15 for plain milliseconds), so every accepted text is an exact safe integer
 * of milliseconds: the pattern and the parser agree on what a duration is.
 *
 * One implementation for config files and chat arguments alike (src/config re-exports it).
 */

const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;
type Unit = keyof typeof UNIT_MS;
const UNITS_DESCENDING: readonly Unit[] = ['d', 'h', 'm', 's', 'ms'];

/**
 * The grammar as one ECMAScript regular expression, shared with the config JSON Schema so editors
 * flag bad durations too. `m(?!s)` keeps `250ms` from being read as 250 minutes plus a stray `s`.
 */
export const DURATION_PATTERN =
  '^(?=\\d)(?:\\d{1,15}|(?:\\d{1,6}d)?(?: ?\\d{1,6}h)?(?: ?\\d{1,6}m(?!s))?(?: ?\\d{1,6}s)?(?: ?\\d{1,6}ms)?)$';

const durationRe = new RegExp(DURATION_PATTERN, 'u');
const partRe = /(\d+)(ms|d|h|m|s)/gu;

/** Milliseconds, or null when the text is not a duration. */
export function parseDuration(text: string): number | null {
  if (!durationRe.test(text)) return null;
  if (/^\d+$/u.test(text)) return Number(text);
  let total = 0;
  for (const match of text.matchAll(partRe)) {
    const unit = match[2] as Unit;
    total += Number(match[1]) * UNIT_MS[unit];
  }
  return total;
}

/**
 * `1h 30m`, `45s`, `250ms`, `0s`. Exact (every non-zero unit is shown), so parseDuration reads the
 * result back to the same number; fractions of a millisecond are rounded.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  let rest = Math.round(Math.abs(ms));
  if (rest === 0) return '0s';
  const parts: string[] = [];
  for (const unit of UNITS_DESCENDING) {
    const size = UNIT_MS[unit];
    const count = Math.floor(rest / size);
    if (count > 0) parts.push(`${count}${unit}`);
    rest -= count * size;
  }
  return (ms < 0 ? '-' : '') + parts.join(' ');
}

/** For people reading elapsed times: the two most significant units (`1m 23s`), not exact. */
export function formatElapsed(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const exact = formatDuration(Math.round(ms / 1000) * 1000);
  return exact.split(' ').slice(0, 2).join(' ');
}
