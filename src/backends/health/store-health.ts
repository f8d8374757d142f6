/**
 * The HealthPort: each store's colour targets (an HTTP URL, or a catalogued SSH command where exit 0
 * is healthy), its public frontend, deadlines and intervals, from the `stores` config.
 */
import type { HealthOutcome, HealthPort, RemoteCommandPort } from '../../core/deploy/ports.js';
import type { Colour } from '../../core/deploy/types.js';
import { NotFoundError } from '../../core/errors.js';
import type { HealthTarget, StoreHealthConfig, StoresConfig } from '../../config/deploy-types.js';
import { httpProbe } from './http.js';
import { waitHealthy } from './wait.js';

/** Quick probes for `status`: a short timeout whatever the store's request timeout is. */
const STATUS_PROBE_MS = 2_000;
/** Answers in a row the frontend must give after a switch. */
const FRONTEND_STREAK = 3;

export function createHealthPort(stores: StoresConfig, remote: RemoteCommandPort): HealthPort {
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
    waitHealthy(store, colour: Colour, options) {
      const c = config(store);
      const version = c.expectVersion ? options.version : null;
      return waitHealthy(() => probeTarget(c.targets[colour], version, c.requestTimeout, options.signal), {
        deadlineMs: c.timeout,
        intervalMs: c.interval,
        signal: options.signal,
        onAttempt: (n, detail) => options.onAttempt?.(n, detail),
      });
    },
    probe(store, colour, signal) {
      const c = config(store);
      return probeTarget(c.targets[colour], null, Math.min(c.requestTimeout, STATUS_PROBE_MS), signal);
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
