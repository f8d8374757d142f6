/**
 * When to try a failed delivery again: exponential backoff with jitter, or exactly what the server
 * asked for (HTTP 429 Retry-After, X-RateLimit-Reset) when it said.
 */
export interface BackoffSettings {
  /** Delay after the first failure. */
  readonly baseDelayMs: number;
  /** The delay stops growing here. */
  readonly maxDelayMs: number;
}

/**
 * Delay before attempt `failures + 1`. "Equal jitter": half the exponential delay is fixed, the other
 * half random, so replicas retrying after one outage do not all hit the server in the same instant.
 */
export function retryDelayMs(failures: number, settings: BackoffSettings, retryAfterMs: number | null, random: () => number = Math.random): number {
  if (retryAfterMs !== null && Number.isFinite(retryAfterMs) && retryAfterMs >= 0) {
    // The server's own word, plus a little spread so a burst of rows does not come back at once.
    return Math.ceil(retryAfterMs + random() * Math.min(250, settings.baseDelayMs));
  }
  const exponent = Math.min(Math.max(failures - 1, 0), 30);
  const ceiling = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** exponent);
  return Math.ceil(ceiling / 2 + random() * (ceiling / 2));
}

/** A Retry-After header (whole seconds, or an HTTP date) in ms from `now`; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  const text = value?.trim() ?? '';
  if (text === '') return null;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}
