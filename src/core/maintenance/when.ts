/**
 * The start of a window as people type it: `now`, `HH:MM` in a zone (today, or tomorrow if that time
 * has passed), or an ISO timestamp (`2026-03-29T02:00`, read in the zone unless it carries an offset).
 * Local times that do not exist (the spring-forward hour) move forward, as luxon does.
 */
import { DateTime } from 'luxon';
import { UsageError } from '../errors.js';
import { isTimeZone } from '../scheduler/cron.js';

const CLOCK_TIME = /^([01]?\d|2[0-3]):([0-5]\d)$/;

export function parseStart(text: string, zone: string, now: Date): Date {
  if (!isTimeZone(zone)) throw new UsageError(`\`${zone}\` is not a time zone: use an IANA name such as Europe/Warsaw or UTC.`);
  const word = text.trim();
  if (word.toLowerCase() === 'now') return now;
  const clock = CLOCK_TIME.exec(word);
  if (clock !== null) {
    const base = DateTime.fromJSDate(now, { zone });
    let at = base.set({ hour: Number(clock[1]), minute: Number(clock[2]), second: 0, millisecond: 0 });
    if (at.toMillis() < now.getTime()) at = at.plus({ days: 1 }).set({ hour: Number(clock[1]), minute: Number(clock[2]) });
    return at.toJSDate();
  }
  const iso = DateTime.fromISO(word, { zone });
  if (!iso.isValid) {
    throw new UsageError(`\`${text}\` is not a start time: use \`now\`, \`HH:MM\` (with --tz) or an ISO time such as 2026-03-29T02:00 or 2026-03-29T00:00Z.`);
  }
  return iso.toJSDate();
}

/** `2026-03-29 03:00 CEST` in the given zone. */
export function formatInZone(at: Date, zone: string): string {
  return DateTime.fromJSDate(at, { zone }).toFormat('yyyy-LL-dd HH:mm ZZZZ');
}
