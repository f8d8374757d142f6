/**
 * Rate budgets shared by every replica on one database. The in-memory RateLimiter is per process, so
 * three replicas would together send three times Mattermost's 10 requests a second; here each
 * conversation's token bucket is a row in the store, refilled and spent by one atomic statement, so
 * the replicas draw from a single budget. The row holds the bucket as of its last use (tokens, time);
 * a missing row is a full bucket, which is what lets buckets that filled up again be deleted.
 *
 * Times come from the replica's clock. A replica whose clock runs behind the bucket's last use gets no
 * refill until it catches up (never a negative elapsed time), so skew costs throughput, not the limit.
 */
import { msUntilToken, refilled, type ConversationLimiter, type RateLimit } from './rate-limit.js';

/** The store side: one token bucket row per key. */
export interface RateBudgetStore {
  /**
   * Refills the bucket `key` up to `nowMs` and takes one token if it holds a whole one, in a single
   * atomic statement (a take on another replica waits for the row), creating a full bucket first if
   * there is none. False when the bucket had no whole token.
   */
  take(key: string, limit: RateLimit, nowMs: number): Promise<boolean>;
  /** The bucket as of its last use, or null when it has none (a full bucket). */
  peek(key: string): Promise<{ readonly tokens: number; readonly atMs: number } | null>;
  /** Puts one token back, never above the burst. */
  refund(key: string, limit: RateLimit): Promise<void>;
  /** Deletes buckets last used before `beforeMs`; returns how many. */
  prune(beforeMs: number): Promise<number>;
}

/** How often one replica deletes full buckets (the outbox calls `prune` after every pass). */
const PRUNE_EVERY_MS = 60_000;
/** Buckets are deleted only this long after they are full, so clock skew cannot free a burst early. */
const PRUNE_MARGIN_MS = 60_000;

export class SharedRateLimiter implements ConversationLimiter {
  /**
   * Keys this replica last found empty and when they get a token: a hint that keeps their rows out of
   * the next read of due entries. The budget itself is only ever the store's.
   */
  private readonly empty = new Map<string, number>();
  private prunedAt: number | null = null;

  constructor(
    private readonly store: RateBudgetStore,
    private readonly limit: RateLimit,
  ) {}

  async take(key: string, nowMs: number): Promise<number> {
    // A bucket smaller than one token never sends; no row needs to say so.
    if (this.limit.burst < 1) return this.remember(key, nowMs, msUntilToken(this.limit.burst, this.limit));
    if (await this.store.take(key, this.limit, nowMs)) {
      this.empty.delete(key);
      return 0;
    }
    const bucket = await this.store.peek(key);
    // Gone between the two statements (pruned): it was full, so try again at once.
    const tokens = bucket === null ? this.limit.burst : refilled(bucket.tokens, bucket.atMs, nowMs, this.limit);
    return this.remember(key, nowMs, Math.max(1, msUntilToken(tokens, this.limit)));
  }

  async refund(key: string): Promise<void> {
    if (this.limit.burst < 1) return;
    this.empty.delete(key);
    await this.store.refund(key, this.limit);
  }

  exhausted(nowMs: number): string[] {
    const out: string[] = [];
    for (const [key, until] of this.empty) {
      if (until > nowMs) out.push(key);
      else this.empty.delete(key);
    }
    return out;
  }

  async prune(nowMs: number): Promise<void> {
    if (this.prunedAt !== null && nowMs - this.prunedAt < PRUNE_EVERY_MS) return;
    this.prunedAt = nowMs;
    const fillMs = this.limit.perSecond > 0 ? Math.ceil((this.limit.burst / this.limit.perSecond) * 1000) : Number.MAX_SAFE_INTEGER / 2;
    await this.store.prune(nowMs - fillMs - PRUNE_MARGIN_MS);
  }

  private remember(key: string, nowMs: number, waitMs: number): number {
    this.empty.set(key, nowMs + waitMs);
    return waitMs;
  }
}

/** The limiter for one platform: shared through the store when it has shared budgets, else in memory. */
export function sharedLimiterOrNull(store: { readonly rateBudgets?: RateBudgetStore | null }, limit: RateLimit): SharedRateLimiter | null {
  return store.rateBudgets === undefined || store.rateBudgets === null ? null : new SharedRateLimiter(store.rateBudgets, limit);
}
