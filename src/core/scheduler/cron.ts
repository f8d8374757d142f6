/**
 * Cron expressions in a time zone, evaluated by croner (daylight-saving transitions included: a
 * 02:30 tick on the spring-forward night runs at 03:30, and on the fall-back night it runs once).
 * Only five-field expressions (minute resolution) and nicknames are accepted: a per-second schedule
 * would flood chat and the claim table.
 */
import { Cron } from 'croner';
import { UsageError } from '../errors.js';

const NICKNAMES = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];

export interface CompiledCron {
  readonly expression: string;
  readonly timezone: string;
  /** The first tick strictly after `after`, or null if there is none. */
  next(after: Date): Date | null;
}

/** Zones every runtime knows: checking them needs no ICU. */
const ALWAYS_KNOWN = new Set(['UTC', 'Etc/UTC']);

/** True if `zone` is an IANA time zone this runtime knows. */
export function isTimeZone(zone: string): boolean {
  if (zone.trim() === '' || zone.length > 64) return false;
  // The config's default zone is UTC. A first Intl.DateTimeFormat maps about 6 MB of ICU's time-zone
  // data into the process (measured with Node 20), which a deployment that never schedules in
  // another zone does not need to pay for.
  if (ALWAYS_KNOWN.has(zone)) return true;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Parses and checks `expression` in `timezone`; throws UsageError with a reason a person can act on. */
export function compileCron(expression: string, timezone: string): CompiledCron {
  const text = expression.trim().replace(/\s+/g, ' ');
  if (!isTimeZone(timezone)) throw new UsageError(`\`${timezone}\` is not a time zone: use an IANA name such as Europe/Warsaw or UTC.`);
  const fields = text.split(' ');
  const nickname = fields.length === 1 && NICKNAMES.includes(text.toLowerCase());
  if (!nickname && fields.length !== 5) {
    throw new UsageError(
      `\`${expression}\` is not a cron expression: use five fields (minute hour day-of-month month day-of-week), e.g. "30 1 * * *", or @daily / @hourly.`,
    );
  }
  let cron: Cron;
  try {
    // `paused`: croner only evaluates here; it never starts a timer of its own.
    cron = new Cron(nickname ? text.toLowerCase() : text, { timezone, paused: true, legacyMode: true });
  } catch (error: unknown) {
    const reason = error instanceof Error ? error.message.replace(/^CronPattern: /, '') : String(error);
    throw new UsageError(`\`${expression}\` is not a valid cron expression: ${reason}.`);
  }
  if (cron.nextRun(new Date(0)) === null) throw new UsageError(`\`${expression}\` never matches a date.`);
  return {
    expression: text,
    timezone,
    next: (after) => cron.nextRun(after),
  };
}

/**
 * compileCron for an expression a person is giving now (`schedule add`, the config file): refuses
 * syntax croner would read otherwise than they mean. Expressions already stored are compiled as they
 * always were (compileCron), so an upgrade does not stop a schedule that fired before.
 */
export function validateCron(expression: string, timezone: string): CompiledCron {
  const compiled = compileCron(expression, timezone);
  const fields = compiled.expression.split(' ');
  if (fields.length === 5) refuseMisreadFields(expression, fields);
  return compiled;
}

/**
 * Syntax croner accepts but reads otherwise than people mean it. `?` (Quartz: "no particular value")
 * is replaced by the field's value at the moment croner compiles the expression, so each replica and
 * each restart would fire at another time, and `0 2 ? * MON` would also fire on today's day of the
 * month. `5L` (Quartz: the last Friday) is read as every Friday; croner spells the last one `5#L`.
 */
function refuseMisreadFields(expression: string, fields: readonly string[]): void {
  if (fields.some((field) => field.includes('?'))) {
    throw new UsageError(`\`${expression}\` uses \`?\`, which would mean the time opsbot reads the expression: use \`*\` for any value.`);
  }
  const weekday = fields[4] ?? '';
  const lastWeekday = /([^#,\s]+)L/i.exec(weekday.replace(/#L/gi, ''));
  if (lastWeekday !== null) {
    throw new UsageError(`\`${expression}\`: \`${lastWeekday[0]}\` would fire every week; for the last one of the month write \`${lastWeekday[1]}#L\`, e.g. \`5#L\` for the last Friday.`);
  }
}

/** A cache of compiled expressions: ticks run often and schedules rarely change. */
export class CronCache {
  private readonly compiled = new Map<string, CompiledCron>();

  get(expression: string, timezone: string): CompiledCron {
    const key = `${timezone}\u0000${expression}`;
    let found = this.compiled.get(key);
    if (found === undefined) {
      found = compileCron(expression, timezone);
      if (this.compiled.size > 1_000) this.compiled.clear();
      this.compiled.set(key, found);
    }
    return found;
  }
}
