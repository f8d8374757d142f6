/**
 * The reads of a follow, asked again while the CI server is briefly unavailable. Following a run is
 * minutes of polling, and in that time a Jenkins restarts (503 for a minute), a GitLab behind its
 * load balancer answers 502 during its own deploy, or a server sheds load with 429. The run goes on
 * on the server meanwhile: failing the job (or the deploy waiting on its build) at the first such
 * answer would report a failure that did not happen. Only reads come here, never a request that
 * starts, cancels or retries something (those are never repeated: http.ts).
 *
 * The server's Retry-After is honoured; otherwise the wait starts at the poll interval and doubles,
 * up to a minute. An outage longer than `outageMs` (from its first failed answer) fails the read with
 * the server's last words. Anything else (401, 404, a malformed answer) fails at once, as before.
 */
import { formatDuration } from '../../core/args/duration.js';
import { BackendError } from '../../core/errors.js';
import { pause } from '../../core/pipelines/pause.js';
import { UnavailableError } from './http.js';

/** How long a follow waits out an unavailable server before it gives up (the job's timeout still applies). */
export const DEFAULT_OUTAGE_MS = 10 * 60_000;
const MAX_WAIT_MS = 60_000;

export interface Patience {
  readonly signal: AbortSignal;
  /** The first wait; it doubles after each failed answer, up to a minute. */
  readonly firstWaitMs: number;
  readonly outageMs: number;
  /** Told before each wait: for the job's log and progress line. */
  onWait(error: UnavailableError, waitMs: number): void;
}

export async function patiently<T>(read: () => Promise<T>, patience: Patience): Promise<T> {
  let since: number | null = null;
  let wait = Math.max(1, patience.firstWaitMs);
  for (;;) {
    try {
      return await read();
    } catch (error: unknown) {
      if (!(error instanceof UnavailableError) || patience.signal.aborted) throw error;
      const now = Date.now();
      since ??= now;
      const left = since + patience.outageMs - now;
      if (left <= 0) {
        throw new BackendError(`${error.message} It stayed unavailable for ${formatDuration(Math.round((now - since) / 1000) * 1000)}, so opsbot stopped following; the run may still be going on the server.`, error.backend, {
          cause: error,
        });
      }
      const ms = Math.min(Math.max(error.retryAfterMs ?? 0, wait), MAX_WAIT_MS, left);
      patience.onWait(error, ms);
      await pause(ms, patience.signal);
      wait = Math.min(wait * 2, MAX_WAIT_MS);
    }
  }
}

/** The words of a wait, for a progress line. */
export function waitingWords(error: UnavailableError, waitMs: number): string {
  return `${error.message} Asking again in ${formatDuration(Math.max(1000, Math.round(waitMs / 1000) * 1000))}; the run goes on on the server.`;
}
