/**
 * The start of a window as people type it: `now`, `HH:MM` in a zone (the next time the clock there
 * shows it, the current minute included), or an ISO timestamp (`2026-03-29T02:00`, read in the zone unless it carries an offset).
 * Local times that do not exist (the spring-forward hour) move forward, as luxon does.
 */
import { DateTime } from 'luxon';
import { UsageError } from '../errors.js';
import { isTimeZone } from '../scheduler/cron.js';

const CLOCK_TIME = /^([01]?\d|2[0-3]):([0-5]\d)$/;
/** A start this much in the past still means now: a person types the minute it is. */
export const START_SLACK_MS = 60_000;

export function parseStart(text: string, zone: string, now: Date): Date {
  if (!isTimeZone(zone)) throw new UsageError(`\`${zone}\` is not a time zone: use an IANA name such as Europe/Warsaw or UTC.`);
  const word = text.trim();
  if (word.toLowerCase() === 'now') return now;
  const clock = CLOCK_TIME.exec(word);
  if (clock !== null) return nextClockTime(Number(clock[1]), Number(clock[2]), zone, now);
  const iso = DateTime.fromISO(word, { zone });
  if (!iso.isValid) {
    throw new UsageError(`\`${text}\` is not a start time: use \`now\`, \`HH:MM\` (with --tz) or an ISO time such as 2026-03-29T02:00 or 2026-03-29T00:00Z.`);
  }
  return iso.toJSDate();
}

/**
 * The next time the clock in `zone` shows hour:minute, counting the minute it is now (`10:00` typed at
 * 10:00:30 is now, as `validate` takes a start up to START_SLACK_MS old), and the second pass of that
 * time on the fall-back night (at 02:45 CEST, `02:30` is 02:30 CET, 45 minutes later).
 */
function nextClockTime(hour: number, minute: number, zone: string, now: Date): Date {
  const passed = (at: DateTime): boolean => at.toMillis() < now.getTime() - START_SLACK_MS;
  // luxon keeps the offset it is at when a time is there twice: today's first pass before the change.
  const today = DateTime.fromJSDate(now, { zone }).set({ hour, minute, second: 0, millisecond: 0 });
  if (!passed(today)) return today.toJSDate();
  // The clock goes back by the drop of the offset (hours later at most), showing this time again.
  const again = today.plus({ minutes: today.offset - today.plus({ hours: 3 }).offset });
  if (again.hour === hour && again.minute === minute && !passed(again)) return again.toJSDate();
  return today.plus({ days: 1 }).set({ hour, minute }).toJSDate();
}

/** `2026-03-29 03:00 GMT+2` in the given zone (an abbreviation such as UTC where the locale has one). */
export function formatInZone(at: Date, zone: string): string {
  return DateTime.fromJSDate(at, { zone }).toFormat('yyyy-LL-dd HH:mm ZZZZ');
}
