/**
 * `schedules`: name -> a cron expression in a time zone and one action, either an announcement
 * (`announce` + `to`) or a command run as the service principal `schedule:<as>` (`run` + `as`).
 * Config schedules are upserted into the store at boot; schedules added from chat live beside them.
 */
import { Type } from '@sinclair/typebox';
import { MISSED_POLICIES } from '../../core/scheduler/types.js';
import { validateSchedule } from '../../core/scheduler/service.js';
import type { ScheduleAction } from '../../core/scheduler/types.js';
import type { ScheduleConfig, SchedulesConfig } from '../types.js';
import { ConversationKey } from './identifiers.js';
import { KeyedMap, StringEnum } from './primitives.js';
import { defineSection, type SectionProblem } from './section.js';

const NAME = '^[a-z][a-z0-9_-]{0,62}$';

const Schedule = Type.Object(
  {
    cron: Type.String({ minLength: 1, description: 'Five-field cron expression (minute hour day-of-month month day-of-week) or @daily/@hourly/…, read in `timezone`.', examples: ['30 1 * * *', '0 9 * * 1-5'] }),
    timezone: Type.Optional(Type.String({ default: 'UTC', description: 'IANA time zone of the expression, e.g. Europe/Warsaw; daylight-saving changes are handled.' })),
    announce: Type.Optional(Type.String({ minLength: 1, maxLength: 2000, description: 'Text to post to the `to` channels.' })),
    run: Type.Optional(Type.String({ minLength: 1, maxLength: 2000, description: 'Command text to run as the service principal schedule:<as>, e.g. "run backup".' })),
    as: Type.Optional(
      Type.String({ pattern: NAME, patternErrorMessage: 'is not a service principal name (lowercase letters, digits, - and _)', description: 'Service principal of a `run` schedule: it acts as schedule:<as> and needs roles and a channel binding like anyone.' }),
    ),
    to: Type.Optional(Type.Array(ConversationKey(), { default: [], description: 'Channels (<platform>:<id>) that get the announcement, or the outcome of a `run`.' })),
    missed: Type.Optional(StringEnum(MISSED_POLICIES, { default: 'skip', description: 'Ticks that passed while opsbot was down: skip them (reported), or run-once on start-up (reported).' })),
    paused: Type.Optional(Type.Boolean({ default: false, description: 'Created paused (only when first added; `schedule resume` then decides).' })),
  },
  { additionalProperties: false, title: 'Schedule', description: 'Exactly one of announce (with to) or run (with as).' },
);

const SchedulesSchema = KeyedMap(Type.String({ pattern: NAME, patternErrorMessage: 'is not a schedule name (lowercase letters, digits, - and _, starting with a letter)' }), Schedule, {
  default: {},
  title: 'Schedules',
  description: 'Name -> cron + time zone + action. Each tick fires once across all replicas.',
});

export const schedulesSection = defineSection({
  schema: SchedulesSchema,
  load(raw): SchedulesConfig {
    const out: Record<string, ScheduleConfig> = {};
    for (const [id, s] of Object.entries(raw ?? {})) {
      out[id] = {
        cron: s.cron,
        timezone: s.timezone ?? 'UTC',
        announce: s.announce ?? null,
        run: s.run ?? null,
        as: s.as ?? null,
        to: s.to ?? [],
        missed: s.missed ?? 'skip',
        paused: s.paused ?? false,
      };
    }
    return out;
  },
  check(schedules): SectionProblem[] {
    const problems: SectionProblem[] = [];
    for (const [id, s] of Object.entries(schedules)) {
      const action = scheduleAction(s);
      if (typeof action === 'string') {
        problems.push({ path: [id], reason: action });
        continue;
      }
      try {
        // The command's name is checked against the registry at boot, where the commands are known.
        validateSchedule({ id, cron: s.cron, timezone: s.timezone, action, missed: s.missed }, null);
      } catch (error: unknown) {
        problems.push({ path: [id], reason: error instanceof Error ? error.message.replace(/`/g, '"') : String(error) });
      }
    }
    return problems;
  },
});

/** The action of a config schedule, or why it has none. */
export function scheduleAction(s: ScheduleConfig): ScheduleAction | string {
  if (s.announce !== null && s.run !== null) return 'has both announce and run; give exactly one';
  if (s.run !== null) {
    if (s.as === null) return 'needs as: with run (the service principal the command runs as)';
    return { kind: 'command', command: s.run, as: s.as, to: s.to };
  }
  if (s.announce === null) return 'needs an action: announce (with to) or run (with as)';
  if (s.as !== null) return 'as: only goes with run';
  return { kind: 'announce', text: s.announce, to: s.to };
}
