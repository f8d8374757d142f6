/**
 * Which ticks of a schedule fall in (from, to]: the ones a scheduler pass must deal with. A cursor
 * far in the past (opsbot down for months) is not walked tick by tick: only the last `maxSpanMs` is,
 * and the count is then reported as a lower bound.
 */
import type { CompiledCron } from './cron.js';

export interface DueTicks {
  readonly instants: readonly Date[];
  /** True when ticks before `to - maxSpanMs` were not enumerated (there may be more than counted). */
  readonly truncated: boolean;
}

export const DEFAULT_MAX_SPAN_MS = 7 * 24 * 3_600_000;
const MAX_INSTANTS = 20_000;

export function dueTicks(cron: CompiledCron, from: Date, to: Date, maxSpanMs = DEFAULT_MAX_SPAN_MS): DueTicks {
  let truncated = false;
  let cursor = from;
  if (to.getTime() - from.getTime() > maxSpanMs) {
    cursor = new Date(to.getTime() - maxSpanMs);
    truncated = true;
  }
  const instants: Date[] = [];
  for (;;) {
    const next = cron.next(cursor);
    if (next === null || next.getTime() > to.getTime()) break;
    instants.push(next);
    if (instants.length >= MAX_INSTANTS) {
      // Keep the newest ones: drop the oldest half and go on.
      instants.splice(0, MAX_INSTANTS / 2);
      truncated = true;
    }
    cursor = next;
  }
  return { instants, truncated };
}
