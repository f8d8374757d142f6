/**
 * Retention: what the store may delete once it is old, and never while something live needs it
 * (src/store/retention.ts has the rules; src/core/retention/pruner.ts runs the passes).
 */

/** What one prune deletes. Several belong to one configured kind (`alerts`: groups, tickets, digests, silences). */
export type PruneTarget =
  | 'jobs'
  | 'audit'
  | 'alertGroups'
  | 'alertTickets'
  | 'alertDigests'
  | 'alertSilences'
  | 'scheduleClaims'
  | 'maintenanceWindows'
  | 'maintenanceSummaryRefs'
  | 'scalingEvents'
  | 'deadOutbox'
  | 'teamsConversations'
  | 'confirmations'
  | 'nonces';

export const PRUNE_TARGETS: readonly PruneTarget[] = [
  'jobs',
  'audit',
  'alertGroups',
  'alertTickets',
  'alertDigests',
  'alertSilences',
  'scheduleClaims',
  'maintenanceWindows',
  'maintenanceSummaryRefs',
  'scalingEvents',
  'deadOutbox',
  'teamsConversations',
  'confirmations',
  'nonces',
];

/**
 * What the config keeps, however old: the store cannot see the config, and a conversation only the
 * config names (an alert route's channel, where nobody ever talks to opsbot) has no live row naming it.
 */
export interface RetentionKeep {
  /** Conversation keys (`teams:<conversation id>`) the config names; their references are never pruned. */
  readonly conversations: readonly string[];
}

export interface RetentionStore {
  /**
   * Deletes up to `limit` rows of `target` that aged out before `cutoff` and that nothing live still
   * needs at `now`, with what belongs to them (a job's message ref and decided approval, a window's
   * step claims and summary post ref, a group's alerts, posts and thread state); returns how many rows
   * of `target` went. Never what `keep` names. One short transaction; on PostgreSQL rows another
   * replica is deleting are skipped, not waited for.
   */
  prune(target: PruneTarget, cutoff: Date, now: Date, limit: number, keep: RetentionKeep): Promise<number>;
  /** How many rows `prune` would delete in all (for a dry run). */
  count(target: PruneTarget, cutoff: Date, now: Date, keep: RetentionKeep): Promise<number>;
}
