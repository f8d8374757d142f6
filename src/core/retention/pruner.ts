/**
 * The retention pass: deletes what has aged out, per the `retention` config, through the store's
 * rules (src/store/retention.ts: what may go and what never does).
 *
 * Cheap and bounded: each target goes in batches of `batchSize` rows, one short transaction each,
 * with a turn of the event loop between batches, and at most `maxBatches` batches per target per
 * pass; what is left goes in the next pass. So a first pass over a large database neither holds the
 * event loop nor SQLite's write lock for long. Several replicas may run it at once: on PostgreSQL
 * they take different rows (SKIP LOCKED), and a row deleted twice is simply not counted twice.
 */
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import { Ticker } from '../scheduler/ticker.js';
import type { PruneTarget, RetentionKeep, RetentionStore } from './ports.js';

/** The configured kinds (the `retention` section's keys) and the targets each one covers. */
export const RETENTION_TARGETS = {
  jobs: ['jobs'],
  audit: ['audit'],
  // Tickets first: a closed group stays while a ticket names it, so it can go in the same pass.
  // Digests after the groups: a digest stays while a post of a group is folded into it.
  alerts: ['alertTickets', 'alertGroups', 'alertDigests', 'alertSilences'],
  scheduleClaims: ['scheduleClaims'],
  // The refs of summary posts whose window is already gone after the windows (which take their own).
  maintenanceWindows: ['maintenanceWindows', 'maintenanceSummaryRefs'],
  scalingEvents: ['scalingEvents'],
  deadOutbox: ['deadOutbox'],
  teamsConversations: ['teamsConversations'],
} as const satisfies Record<string, readonly PruneTarget[]>;

export type RetentionKind = keyof typeof RETENTION_TARGETS;

/** Expired one-time codes and nonces: nothing can use them once expired, so they go at once. */
const ALWAYS: readonly PruneTarget[] = ['confirmations', 'nonces'];

export interface RetentionSettings {
  /** Milliseconds each kind is kept once over; null: forever. */
  readonly ages: Readonly<Record<RetentionKind, number | null>>;
  /** What the config keeps whatever its age (the conversations it names). */
  readonly keep: RetentionKeep;
  /** Milliseconds between passes of `start()`. */
  readonly intervalMs: number;
  readonly batchSize?: number;
  /** Batches per target per pass; null: until nothing is left (the CLI). */
  readonly maxBatches?: number | null;
}

export const DEFAULT_BATCH_SIZE = 500;
export const DEFAULT_MAX_BATCHES = 20;

/** Rows deleted (or, in a dry run, that would be) per target; targets kept forever are absent. */
export type PruneCounts = Partial<Record<PruneTarget, number>>;

export interface PassResult {
  readonly counts: PruneCounts;
  /** True when a target reached its batch budget: the next pass has more to delete. */
  readonly more: boolean;
}

export interface PrunerDeps {
  readonly store: RetentionStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly settings: RetentionSettings;
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class Pruner {
  private readonly ticker: Ticker;
  private stopping = false;

  constructor(private readonly deps: PrunerDeps) {
    this.ticker = new Ticker(deps.settings.intervalMs, async () => {
      await this.pass();
    }, deps.logger.child({ component: 'retention' }));
  }

  /** The targets to prune and the age of each (0 for those that go once expired). */
  private plan(): [PruneTarget, number][] {
    const plan: [PruneTarget, number][] = [];
    for (const kind of Object.keys(RETENTION_TARGETS) as RetentionKind[]) {
      const age = this.deps.settings.ages[kind];
      if (age === null) continue;
      for (const target of RETENTION_TARGETS[kind]) plan.push([target, age]);
    }
    for (const target of ALWAYS) plan.push([target, 0]);
    return plan;
  }

  /** One pass: deletes, within the budget, what has aged out; logs one line when it deleted something. */
  async pass(): Promise<PassResult> {
    const { store, clock, logger, settings } = this.deps;
    const batch = settings.batchSize ?? DEFAULT_BATCH_SIZE;
    const maxBatches = settings.maxBatches === undefined ? DEFAULT_MAX_BATCHES : settings.maxBatches;
    const started = Date.now();
    const counts: PruneCounts = {};
    let more = false;
    for (const [target, age] of this.plan()) {
      let total = 0;
      try {
        for (let batches = 0; !this.stopping; ) {
          const now = clock.now();
          const n = await store.prune(target, new Date(now.getTime() - age), now, batch, settings.keep);
          total += n;
          batches += 1;
          if (n < batch) break;
          if (maxBatches !== null && batches >= maxBatches) {
            more = true;
            break;
          }
          await nextTurn();
        }
      } catch (error: unknown) {
        logger.warn({ err: error, target }, 'retention: pruning failed; the next pass tries again');
      }
      counts[target] = total;
      if (this.stopping) break;
      await nextTurn();
    }
    const deleted = Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));
    if (Object.keys(deleted).length > 0) logger.info({ deleted, more, ms: Date.now() - started }, 'retention: deleted data past its retention');
    return { counts, more };
  }

  /** What a pass would delete now, without a budget; deletes nothing. */
  async dryRun(): Promise<PruneCounts> {
    const now = this.deps.clock.now();
    const counts: PruneCounts = {};
    for (const [target, age] of this.plan()) counts[target] = await this.deps.store.count(target, new Date(now.getTime() - age), now, this.deps.settings.keep);
    return counts;
  }

  /** Passes every `intervalMs`, the first at once. */
  start(): void {
    this.stopping = false;
    this.ticker.start();
  }

  /** Stops after the batch in progress. */
  stop(): Promise<void> {
    this.stopping = true;
    return this.ticker.stop();
  }
}
