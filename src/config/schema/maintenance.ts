/**
 * `maintenance`: the targets a window may name (the allowlist for `maintenance <target>`), the
 * Alertmanager matchers that silence each, where windows are announced and how far ahead, whether
 * deploys of a target in maintenance are blocked, and recurring windows (cron + duration + zone).
 */
import { Type } from '@sinclair/typebox';
import { validateCron, isTimeZone } from '../../core/scheduler/cron.js';
import type { MaintenanceTarget, RecurringWindow } from '../../core/maintenance/types.js';
import type { MaintenanceConfig } from '../types.js';
import { Duration, durationMs } from './duration.js';
import { ConversationKey } from './identifiers.js';
import { KeyedMap } from './primitives.js';
import { defineSection, type SectionProblem } from './section.js';
import { HttpUrl } from './url.js';

const DEFAULTS = { lead: '30m', label: 'service', timezone: 'UTC', amTimeout: '10s' } as const;
const NAME = '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$';
const LABEL_NAME = '^[A-Za-z_][A-Za-z0-9_]*$';
const MAX_WINDOW = 7 * 24 * 3_600_000;

const Target = Type.Object(
  {
    matchers: Type.Optional(
      KeyedMap(Type.String({ pattern: LABEL_NAME, patternErrorMessage: 'is not a label name' }), Type.String({ minLength: 1 }), {
        description: 'Alertmanager label = value pairs the window silences. Default: {<label>: <target name>}.',
      }),
    ),
    announceTo: Type.Optional(Type.Array(ConversationKey(), { description: 'Channels for this target\'s announcements (default: the section\'s announceTo).' })),
    blockDeploys: Type.Optional(Type.Boolean({ description: 'Refuse deploys of this target while a window is on (default: the section\'s blockDeploys).' })),
    lead: Type.Optional(Duration({ default: DEFAULTS.lead, description: 'How long before the start the window is announced (default: the section\'s lead).' })),
  },
  { additionalProperties: false, title: 'Maintenance target' },
);

const Recurring = Type.Object(
  {
    target: Type.String({ pattern: NAME, patternErrorMessage: 'is not a target name', description: 'One of maintenance.targets.' }),
    cron: Type.String({ minLength: 1, description: 'When each window starts: five-field cron, read in timezone (e.g. "0 2 * * *").' }),
    timezone: Type.Optional(Type.String({ default: 'UTC', description: 'IANA zone of the cron expression, e.g. Europe/Warsaw.' })),
    duration: Duration({ default: '1h', description: 'How long each window lasts, e.g. 1h.' }),
    reason: Type.Optional(Type.String({ maxLength: 300, description: 'Shown in announcements and silences.' })),
    lead: Type.Optional(Duration({ default: DEFAULTS.lead, description: 'Overrides the target\'s lead.' })),
    blockDeploys: Type.Optional(Type.Boolean({ description: 'Overrides the target\'s blockDeploys.' })),
  },
  { additionalProperties: false, title: 'Recurring maintenance window' },
);

const MaintenanceSchema = Type.Object(
  {
    lead: Type.Optional(Duration({ default: DEFAULTS.lead, description: 'Default: announce windows this long before they start (0s: no advance notice).' })),
    announceTo: Type.Optional(Type.Array(ConversationKey(), { default: [], description: 'Default channels for announcements. Empty: a window opened from chat is announced where it was opened.' })),
    blockDeploys: Type.Optional(Type.Boolean({ default: false, description: 'Default: refuse deploys of a target while its window is on.' })),
    label: Type.Optional(Type.String({ default: DEFAULTS.label, pattern: LABEL_NAME, patternErrorMessage: 'is not a label name', description: 'Label a target is matched on when it gives no matchers.' })),
    timezone: Type.Optional(Type.String({ default: DEFAULTS.timezone, description: 'Zone of the times in announcements and listings.' })),
    alertmanager: Type.Optional(
      Type.Object(
        {
          url: HttpUrl('Alertmanager base URL for silences. Default: alerts.alertmanager.'),
          timeout: Type.Optional(Duration({ default: DEFAULTS.amTimeout, description: 'Per request.' })),
        },
        { additionalProperties: false },
      ),
    ),
    targets: Type.Optional(
      KeyedMap(Type.String({ pattern: NAME, patternErrorMessage: 'is not a target name (letters, digits, ., _ and -)' }), Target, {
        default: {},
        description: 'Target name -> its settings. Only these names can be put in maintenance.',
      }),
    ),
    windows: Type.Optional(
      KeyedMap(Type.String({ pattern: '^[a-z][a-z0-9_-]{0,62}$', patternErrorMessage: 'is not a window name (lowercase letters, digits, - and _)' }), Recurring, {
        default: {},
        description: 'Recurring windows: name -> target, cron, timezone, duration.',
      }),
    ),
  },
  { additionalProperties: false, title: 'Maintenance', description: 'Maintenance windows: announced, silenced in Alertmanager, alert posts held back, deploys optionally blocked.' },
);

export const maintenanceSection = defineSection({
  schema: MaintenanceSchema,
  load(raw): MaintenanceConfig {
    const lead = durationMs(raw?.lead ?? DEFAULTS.lead);
    const announceTo = raw?.announceTo ?? [];
    const blockDeploys = raw?.blockDeploys ?? false;
    const label = raw?.label ?? DEFAULTS.label;
    const targets: Record<string, MaintenanceTarget> = {};
    for (const [name, t] of Object.entries(raw?.targets ?? {})) {
      targets[name] = {
        matchers: t.matchers ?? { [label]: name },
        announceTo: t.announceTo ?? announceTo,
        blockDeploys: t.blockDeploys ?? blockDeploys,
        leadMs: t.lead === undefined ? lead : durationMs(t.lead),
      };
    }
    const recurring: RecurringWindow[] = Object.entries(raw?.windows ?? {}).map(([name, w]) => ({
      name,
      target: w.target,
      cron: w.cron,
      timezone: w.timezone ?? 'UTC',
      durationMs: durationMs(w.duration),
      reason: w.reason ?? null,
      leadMs: w.lead === undefined ? null : durationMs(w.lead),
      blockDeploys: w.blockDeploys ?? null,
    }));
    const am = raw?.alertmanager;
    return {
      targets,
      recurring,
      displayZone: raw?.timezone ?? DEFAULTS.timezone,
      alertmanager: am === undefined ? null : { url: am.url.replace(/\/+$/, ''), timeout: durationMs(am.timeout ?? DEFAULTS.amTimeout) },
    };
  },
  check(m): SectionProblem[] {
    const problems: SectionProblem[] = [];
    if (!isTimeZone(m.displayZone)) problems.push({ path: ['timezone'], reason: `"${m.displayZone}" is not a time zone (use e.g. Europe/Warsaw or UTC)` });
    for (const w of m.recurring) {
      if (!Object.hasOwn(m.targets, w.target)) problems.push({ path: ['windows', w.name, 'target'], reason: `"${w.target}" is not one of maintenance.targets` });
      if (w.durationMs <= 0 || w.durationMs > MAX_WINDOW) problems.push({ path: ['windows', w.name, 'duration'], reason: 'must be longer than 0s and at most 7d' });
      try {
        validateCron(w.cron, w.timezone);
      } catch (error: unknown) {
        problems.push({ path: ['windows', w.name], reason: error instanceof Error ? error.message.replace(/`/g, '"') : String(error) });
      }
    }
    return problems;
  },
});
