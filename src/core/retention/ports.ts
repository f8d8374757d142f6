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
  | 'scalingEvents'
  | 'deadOutbox'
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
  'scalingEvents',
  'deadOutbox',
  'confirmations',
  'nonces',
];

export interface RetentionStore {
  /**
   * Deletes up to `limit` rows of `target` that aged out before `cutoff` and that nothing live still
   * needs at `now`, with what belongs to them (a job's message ref and decided approval, a window's
   * step claims, a group's alerts, posts and thread state); returns how many rows of `target` went.
   * One short transaction; on PostgreSQL rows another replica is deleting are skipped, not waited for.
   */
  prune(target: PruneTarget, cutoff: Date, now: Date, limit: number): Promise<number>;
  /** How many rows `prune` would delete in all (for a dry run). */
  count(target: PruneTarget, cutoff: Date, now: Date): Promise<number>;
}
