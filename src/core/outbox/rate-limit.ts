/**
 * Per-conversation token buckets: a chat server allows a few requests per second (Mattermost's
 * default is 10/s), and one chatty job must not make the server throttle every other conversation.
 * RateLimiter keeps its buckets in this process, which is exact while one process delivers (SQLite);
 * replicas sharing a PostgreSQL database share their buckets through the store instead
 * (SharedRateLimiter in shared-rate-limit.ts), so N replicas together still send at the rate.
 */
export interface RateLimit {
  /** Tokens added per second. */
  readonly perSecond: number;
  /** Bucket size: how many requests may go out at once after a quiet spell. */
  readonly burst: number;
}

/** What the outbox asks of a limiter, whether its buckets live in memory or in the store. */
export interface ConversationLimiter {
  /** Takes a token for `key` at `nowMs`: 0 if one was available, else how many ms until one is. */
  take(key: string, nowMs: number): number | Promise<number>;
  /**
   * Gives back a token taken for a delivery that did not happen (another replica had claimed the
   * row), so contention between replicas does not eat into the rate.
   */
  refund(key: string, nowMs: number): void | Promise<void>;
  /** Keys known to have no token at `nowMs` (without taking one). */
  exhausted(nowMs: number): string[];
  /** Forgets buckets that are full again. */
  prune(nowMs: number): void | Promise<void>;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Tokens in a bucket at `nowMs`: refilled since its last use, never above the burst. */
export function refilled(tokens: number, atMs: number, nowMs: number, limit: RateLimit): number {
  return Math.min(limit.burst, tokens + (Math.max(0, nowMs - atMs) / 1000) * limit.perSecond);
}

/** Milliseconds until a bucket holding `tokens` has a whole one. */
export function msUntilToken(tokens: number, limit: RateLimit): number {
  if (tokens >= 1) return 0;
  if (limit.perSecond <= 0) return Number.MAX_SAFE_INTEGER;
  return Math.max(1, Math.ceil(((1 - tokens) / limit.perSecond) * 1000));
}

export class RateLimiter implements ConversationLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly limit: RateLimit) {}

  take(key: string, nowMs: number): number {
    const { perSecond, burst } = this.limit;
    const bucket = this.buckets.get(key) ?? { tokens: burst, at: nowMs };
    bucket.tokens = Math.min(burst, bucket.tokens + ((nowMs - bucket.at) / 1000) * perSecond);
    bucket.at = nowMs;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - bucket.tokens) / perSecond) * 1000);
  }

  refund(key: string): void {
    const bucket = this.buckets.get(key);
    if (bucket !== undefined) bucket.tokens = Math.min(this.limit.burst, bucket.tokens + 1);
  }

  exhausted(nowMs: number): string[] {
    const { perSecond } = this.limit;
    const out: string[] = [];
    for (const [key, bucket] of this.buckets) if (bucket.tokens + ((nowMs - bucket.at) / 1000) * perSecond < 1) out.push(key);
    return out;
  }

  /** Drops full buckets, so a long-running process does not keep one per conversation ever seen. */
  prune(nowMs: number): void {
    const { perSecond, burst } = this.limit;
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + ((nowMs - bucket.at) / 1000) * perSecond >= burst) this.buckets.delete(key);
    }
  }
}
