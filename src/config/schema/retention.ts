import { Type, type TUnsafe } from '@sinclair/typebox';
import { DURATION_PATTERN, formatDuration } from '../duration.js';
import type { RetentionConfig } from '../types.js';
import { Duration, durationMs, type RawDuration } from './duration.js';
import { defineSection, type SectionProblem } from './section.js';

/**
 * How long each kind of data is kept once it is over. The audit is the record of who did what: it is
 * kept unless the file says otherwise. The others are kept about as long as someone looking into an
 * incident or a release would still read them.
 */
const DEFAULTS = {
  jobs: '90d',
  audit: 'forever',
  alerts: '90d',
  scheduleClaims: '30d',
  maintenanceWindows: '90d',
  scalingEvents: '90d',
  deadOutbox: '30d',
  // A conversation silent towards opsbot for a year that nothing posts to any more (a personal chat of
  // someone who left, a channel of a team since archived).
  teamsConversations: '365d',
  interval: '10m',
} as const;

const FOREVER = 'forever';
/** Shorter would delete what opsbot still shows or acts on: the last day's maintenance windows, a late tick's claim. */
const MIN_AGE_MS = 86_400_000;

/** The duration grammar, or `forever`. */
const AGE_PATTERN = `^(?:${FOREVER}|${DURATION_PATTERN.slice(1, -1)})$`;

function Age(options: { readonly default: string; readonly description: string }): TUnsafe<RawDuration> {
  return Type.Unsafe<RawDuration>({
    examples: ['90d', '30d', '365d', FOREVER],
    ...options,
    type: ['string', 'integer'],
    minimum: 0,
    maximum: 999_999_999_999_999,
    pattern: AGE_PATTERN,
    patternErrorMessage: 'is not a duration or forever (use e.g. 30d, 90d, forever)',
  });
}

function ageMs(value: RawDuration): number | null {
  return value === FOREVER ? null : durationMs(value);
}

const RetentionSchema = Type.Object(
  {
    jobs: Type.Optional(
      Age({
        default: DEFAULTS.jobs,
        description:
          'Finished jobs (with their output tail, chat post ref and decided approval), counted from when they finished. Never a queued or running job, one a lock names, the deploy a store shows, or one with an approval or a chat post still pending.',
      }),
    ),
    audit: Type.Optional(
      Age({ default: DEFAULTS.audit, description: 'Audit entries. The audit is the record of who did what: kept forever unless set here.' }),
    ),
    alerts: Type.Optional(
      Age({
        default: DEFAULTS.alerts,
        description:
          'Closed alert groups with their alerts, posts and thread state, counted from their close; resolved tickets, digests and local silences that ended as long ago. Never an open group, one a ticket names, or one with a post or reply still pending.',
      }),
    ),
    scheduleClaims: Type.Optional(
      Age({ default: DEFAULTS.scheduleClaims, description: 'The claim rows of schedule ticks (one per tick), counted from when they were claimed.' }),
    ),
    maintenanceWindows: Type.Optional(
      Age({ default: DEFAULTS.maintenanceWindows, description: 'Ended maintenance windows (with their step claims and the chat post refs of their summaries of held-back alerts, one per conversation), counted from their end; a summary post ref whose window is already gone, as long after it was written. Never one still open or ahead, or whose summary is still to be posted.' }),
    ),
    scalingEvents: Type.Optional(
      Age({ default: DEFAULTS.scalingEvents, description: 'Scalings done. The last one of each service environment is always kept (cooldown, status).' }),
    ),
    deadOutbox: Type.Optional(
      Age({ default: DEFAULTS.deadOutbox, description: 'Chat posts the outbox gave up on (dead), counted from when it gave up.' }),
    ),
    teamsConversations: Type.Optional(
      Age({
        default: DEFAULTS.teamsConversations,
        description:
          'Teams conversation references (what lets opsbot post to a conversation unprompted), counted from the last activity Teams sent from there. Never one the config names (channel bindings, alert routes, defaultTo and fallbacks, schedules, maintenance announceTo), nor one a queued or running job, a job awaiting approval, a pending chat post, a schedule, an open maintenance window or an open alert group may post to.',
      }),
    ),
    interval: Type.Optional(
      Duration({ default: DEFAULTS.interval, description: 'How often opsbot serve deletes what has aged out (a bounded amount per pass). Expired confirmation codes and button nonces go too.' }),
    ),
  },
  {
    additionalProperties: false,
    title: 'Retention',
    description: 'How long each kind of data is kept once it is over: a duration, or forever (never deleted).',
  },
);

export const retentionSection = defineSection({
  schema: RetentionSchema,
  load(raw): RetentionConfig {
    return {
      jobs: ageMs(raw?.jobs ?? DEFAULTS.jobs),
      audit: ageMs(raw?.audit ?? DEFAULTS.audit),
      alerts: ageMs(raw?.alerts ?? DEFAULTS.alerts),
      scheduleClaims: ageMs(raw?.scheduleClaims ?? DEFAULTS.scheduleClaims),
      maintenanceWindows: ageMs(raw?.maintenanceWindows ?? DEFAULTS.maintenanceWindows),
      scalingEvents: ageMs(raw?.scalingEvents ?? DEFAULTS.scalingEvents),
      deadOutbox: ageMs(raw?.deadOutbox ?? DEFAULTS.deadOutbox),
      teamsConversations: ageMs(raw?.teamsConversations ?? DEFAULTS.teamsConversations),
      interval: durationMs(raw?.interval ?? DEFAULTS.interval),
    };
  },
  check(retention): SectionProblem[] {
    const problems: SectionProblem[] = [];
    for (const key of RETENTION_KINDS) {
      const age = retention[key];
      if (age !== null && age < MIN_AGE_MS) problems.push({ path: [key], reason: `must be at least ${formatDuration(MIN_AGE_MS)}, or forever` });
    }
    if (retention.interval < 60_000) problems.push({ path: ['interval'], reason: 'must be at least 1m' });
    return problems;
  },
});

export const RETENTION_KINDS = ['jobs', 'audit', 'alerts', 'scheduleClaims', 'maintenanceWindows', 'scalingEvents', 'deadOutbox', 'teamsConversations'] as const;
