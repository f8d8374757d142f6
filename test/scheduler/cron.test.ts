/**
 * Cron expressions croner accepts but reads otherwise than a person means them: `?` is replaced by
 * the moment the expression is compiled (so each replica and each restart would fire at a different
 * time), and a Quartz-style `5L` in the weekday field fires every Friday, not the last one. Both are
 * refused with what to write instead, from chat and in the config, for schedules and recurring
 * maintenance windows alike; what is already stored still compiles as before.
 */
import { describe, expect, it } from 'vitest';
import { compileCron, validateCron } from '../../src/core/scheduler/cron.js';
import { validateSchedule } from '../../src/core/scheduler/service.js';
import { errorOf } from '../config/fixtures.js';

const announce = { kind: 'announce', text: 'hello', to: ['mattermost:ch-ops'] } as const;

describe('cron expressions people give', () => {
  it('refuses `?`, which croner replaces by the time it compiles the expression', () => {
    expect(() => validateCron('0 2 ? * MON', 'Europe/Warsaw')).toThrow('`?`');
    expect(() => validateSchedule({ id: 'nightly', cron: '? ? * * *', timezone: 'UTC', action: announce, missed: 'skip' }, null)).toThrow('use `*` for any value');
    expect(errorOf('maintenance:\n  targets:\n    db: {}\n  windows:\n    weekly: { target: db, cron: "0 2 ? * MON", duration: 1h }\n')).toContain('uses "?"');
  });

  it('refuses `<weekday>L`, which croner reads as every such weekday; `5#L` is the last Friday', () => {
    expect(() => validateCron('0 2 * * 5L', 'UTC')).toThrow('write `5#L`');
    expect(() => validateCron('0 2 * * 1,FRIL', 'UTC')).toThrow('write `FRI#L`');
    expect(() => validateSchedule({ id: 'monthly', cron: '0 2 * * 5L', timezone: 'UTC', action: announce, missed: 'skip' }, null)).toThrow('would fire every week');
    const lastFriday = validateCron('0 2 * * 5#L', 'UTC');
    expect(lastFriday.next(new Date('2026-01-01T00:00:00Z'))?.toISOString()).toBe('2026-01-30T02:00:00.000Z');
    // `L` in the day of the month is the last day, as people mean it.
    expect(validateCron('0 2 L * *', 'UTC').next(new Date('2026-02-01T00:00:00Z'))?.toISOString()).toBe('2026-02-28T02:00:00.000Z');
  });

  it('still compiles such an expression already stored, so an upgrade stops no schedule', () => {
    expect(compileCron('0 2 * * 5L', 'UTC').next(new Date('2026-01-01T00:00:00Z'))?.toISOString()).toBe('2026-01-02T02:00:00.000Z');
  });
});
