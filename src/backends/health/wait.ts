/** Retries a probe until it answers healthy or the deadline passes; the signal ends the wait at once. */
import { sleep } from '../../core/abort.js';
import type { HealthOutcome } from '../../core/deploy/ports.js';

export interface WaitOptions {
  readonly deadlineMs: number;
  readonly intervalMs: number;
  readonly signal: AbortSignal;
  /** How many healthy answers in a row count as healthy (a frontend check wants a few). */
  readonly consecutive?: number;
  onAttempt?(attempt: number, detail: string): void;
}

export async function waitHealthy(probe: () => Promise<HealthOutcome>, options: WaitOptions): Promise<HealthOutcome> {
  const until = Date.now() + options.deadlineMs;
  const needed = options.consecutive ?? 1;
  let attempts = 0;
  let streak = 0;
  let last = 'not checked';
  for (;;) {
    options.signal.throwIfAborted();
    attempts += 1;
    const outcome = await probe();
    last = outcome.detail;
    options.onAttempt?.(attempts, last);
    streak = outcome.healthy ? streak + 1 : 0;
    if (streak >= needed) return { healthy: true, attempts, detail: last };
    if (Date.now() + options.intervalMs > until) return { healthy: false, attempts, detail: last };
    await sleep(options.intervalMs, options.signal);
  }
}
