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
const DEFAULT_OUTAGE_MS = 10 * 60_000;
const MAX_WAIT_MS = 60_000;

export interface Patience {
  readonly signal: AbortSignal;
  /** The first wait (the poll interval); it doubles after each failed answer, up to a minute. */
  readonly firstWaitMs: number;
  /** DEFAULT_OUTAGE_MS when absent. */
  readonly outageMs?: number | undefined;
  /** Told before each wait, in words for the job's progress line. */
  report(step: string): void;
}

export async function patiently<T>(read: () => Promise<T>, patience: Patience): Promise<T> {
  const outageMs = patience.outageMs ?? DEFAULT_OUTAGE_MS;
  let since: number | null = null;
  let wait = Math.max(1, patience.firstWaitMs);
  for (;;) {
    try {
      return await read();
    } catch (error: unknown) {
      if (!(error instanceof UnavailableError) || patience.signal.aborted) throw error;
      const now = Date.now();
      since ??= now;
      const left = since + outageMs - now;
      if (left <= 0) {
        throw new BackendError(`${error.message} It stayed unavailable for ${formatDuration(Math.round((now - since) / 1000) * 1000)}, so opsbot stopped following; the run may still be going on the server.`, error.backend, {
          cause: error,
        });
      }
      const ms = Math.min(Math.max(error.retryAfterMs ?? 0, wait), MAX_WAIT_MS, left);
      patience.report(`${error.message} Asking again in ${formatDuration(Math.max(1000, Math.round(ms / 1000) * 1000))}; the run goes on on the server.`);
      await pause(ms, patience.signal);
      wait = Math.min(wait * 2, MAX_WAIT_MS);
    }
  }
}
