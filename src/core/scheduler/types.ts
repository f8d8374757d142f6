/**
 * Schedules: a cron expression in a time zone plus one action. They come from the config (upserted
 * at boot) or from chat (`schedule add`), and live in the store so every replica sees the same set.
 */

/** A chat channel as `<platform>:<conversation id>`, e.g. `mattermost:abc123`, `teams:19:x@thread.v2`. */
export type ChannelKey = string;

export type ScheduleAction =
  /** Posts `text` to every channel in `to` through the Notifier. */
  | { readonly kind: 'announce'; readonly text: string; readonly to: readonly ChannelKey[] }
  /**
   * Dispatches `command` as the service principal `schedule:<as>`, through the same pipeline as a
   * person's command (permission, channel binding, locks, audit). The outcome goes to `to`, if any.
   */
  | { readonly kind: 'command'; readonly command: string; readonly as: string; readonly to: readonly ChannelKey[] };

/**
 * What to do with ticks that passed while no replica was running:
 * `skip` reports them and runs nothing; `run-once` reports them and runs the action once.
 */
export const MISSED_POLICIES = ['skip', 'run-once'] as const;
export type MissedPolicy = (typeof MISSED_POLICIES)[number];

export type ScheduleSource = 'config' | 'chat';

export interface ScheduleDefinition {
  /** Lowercase name, unique: `nightly-backup`. */
  readonly id: string;
  /** Five-field cron expression (minute resolution) or a nickname such as `@daily`. */
  readonly cron: string;
  /** IANA zone the expression is read in, e.g. `Europe/Warsaw`. */
  readonly timezone: string;
  readonly action: ScheduleAction;
  readonly missed: MissedPolicy;
}

export interface NewSchedule extends ScheduleDefinition {
  readonly source: ScheduleSource;
  readonly paused: boolean;
  /** Display name of who added it from chat; null for config schedules. */
  readonly createdBy: string | null;
  /** principalKey of who added it from chat (absent: null, as for config schedules). */
  readonly createdByKey?: string | null;
  readonly now: Date;
}

export interface ScheduleRecord extends ScheduleDefinition {
  readonly source: ScheduleSource;
  readonly paused: boolean;
  readonly createdBy: string | null;
  /** principalKey of who added it from chat: the person its commands act for. Null for config schedules. */
  readonly createdByKey: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /** Every tick at or before this instant has been considered (fired, reported missed, or skipped while paused). */
  readonly cursorAt: Date;
  /** Scheduled instant of the newest tick that has an outcome. */
  readonly lastTickAt: Date | null;
  /** One line: `posted to 2 channels`, `job #12 succeeded`, `denied: …`, `missed 3 ticks (skipped)`. */
  readonly lastOutcome: string | null;
}

/** What a claim row stands for. */
export type ClaimKind = 'run' | 'missed' | 'event';

export interface ClaimRecord {
  readonly key: string;
  readonly scheduledAt: Date;
  readonly kind: ClaimKind;
  /** The replica (`host/pid/nonce`) whose insert won. */
  readonly claimedBy: string;
  readonly claimedAt: Date;
  readonly outcome: string | null;
}

export type ConfigSyncResult = { readonly added: readonly string[]; readonly updated: readonly string[]; readonly removed: readonly string[] };
