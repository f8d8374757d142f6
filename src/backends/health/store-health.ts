/**
 * The HealthPort: each store's colour targets (an HTTP URL, or a catalogued SSH command where exit 0
 * is healthy), its public frontend, deadlines and intervals, from the `stores` config. The probes of
 * `status` are shared and briefly reused (shared-reads.ts): any viewer may ask for them at any rate,
 * and an SSH target is a session on the store's host each time.
 */
import type { HealthOutcome, HealthPort, RemoteCommandPort } from '../../core/deploy/ports.js';
import type { Colour } from '../../core/deploy/types.js';
import { systemClock, type Clock } from '../../core/clock.js';
import { NotFoundError } from '../../core/errors.js';
import { SharedReads, STATUS_READ_TTL_MS } from '../../core/shared-reads.js';
import type { HealthTarget, StoreHealthConfig, StoresConfig } from '../../config/deploy-types.js';
import { httpProbe } from './http.js';
import { waitHealthy } from './wait.js';

/** Quick probes for `status`: a short timeout whatever the store's request timeout is. */
const STATUS_PROBE_MS = 2_000;
/** Answers in a row the frontend must give after a switch. */
const FRONTEND_STREAK = 3;

/** A signal that never aborts: a shared probe is bounded by its own timeout, not by a caller. */
const UNBOUND = new AbortController().signal;

export function createHealthPort(stores: StoresConfig, remote: RemoteCommandPort, clock: Clock = systemClock): HealthPort {
  const statusProbes = new SharedReads<HealthOutcome>(clock, STATUS_READ_TTL_MS);
  const probeKey = (store: string, colour: Colour): string => JSON.stringify([store, colour]);
  const config = (store: string): StoreHealthConfig => {
    const found = Object.hasOwn(stores, store) ? stores[store] : undefined;
    if (found === undefined) throw new NotFoundError(`There is no store \`${store}\`.`);
    return found.health;
  };
  const probeTarget = async (target: HealthTarget, version: string | null, timeoutMs: number, signal: AbortSignal): Promise<HealthOutcome> => {
    if (target.kind === 'http') return httpProbe(target.url, { timeoutMs, version, signal });
    try {
      const result = await remote.run(target.host, target.command, AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]));
      const ok = result.code === 0 && (version === null || result.stdout.includes(version));
      const detail = result.code === 0 ? (ok ? `ssh ${target.command}: ok` : `ssh ${target.command}: not version ${version ?? ''}`) : `ssh ${target.command}: exit ${result.code ?? 'signal'}`;
      return { healthy: ok, attempts: 1, detail };
    } catch (error: unknown) {
      if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : error;
      return { healthy: false, attempts: 1, detail: error instanceof Error ? error.message : String(error) };
    }
  };
  return {
    async waitHealthy(store, colour: Colour, options) {
      const c = config(store);
      const version = c.expectVersion ? options.version : null;
      try {
        return await waitHealthy(() => probeTarget(c.targets[colour], version, c.requestTimeout, options.signal), {
          deadlineMs: c.timeout,
          intervalMs: c.interval,
          signal: options.signal,
          onAttempt: (n, detail) => options.onAttempt?.(n, detail),
        });
      } finally {
        // A deploy or rollback waits here on the colour it changed: `status` probes it afresh next.
        statusProbes.forget(probeKey(store, colour));
      }
    },
    probe(store, colour, signal) {
      const c = config(store);
      return statusProbes.get(probeKey(store, colour), () => probeTarget(c.targets[colour], null, Math.min(c.requestTimeout, STATUS_PROBE_MS), UNBOUND), signal);
    },
    verifyFrontend(store, options) {
      const c = config(store);
      const version = c.expectVersion ? options.version : null;
      return waitHealthy(() => probeTarget({ kind: 'http', url: c.frontend }, version, c.requestTimeout, options.signal), {
        deadlineMs: c.timeout,
        intervalMs: Math.min(c.interval, 500),
        consecutive: FRONTEND_STREAK,
        signal: options.signal,
        onAttempt: (n, detail) => options.onAttempt?.(n, detail),
      });
    },
  };
}
