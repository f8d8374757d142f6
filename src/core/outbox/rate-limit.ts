/**
 * Per-conversation token buckets: a chat server allows a few requests per second (Mattermost's
 * default is 10/s), and one chatty job must not make the server throttle every other conversation.
 * In-process: each replica keeps its own buckets, so N replicas may together send N times the rate.
 */
export interface RateLimit {
  /** Tokens added per second. */
  readonly perSecond: number;
  /** Bucket size: how many requests may go out at once after a quiet spell. */
  readonly burst: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly limit: RateLimit) {}

  /** Takes a token for `key` at `nowMs`: 0 if one was available, else how many ms until one is. */
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

  /** Keys that have no token at `nowMs` (without taking one). */
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
