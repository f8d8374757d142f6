/** The ScalingPort over the configured services, their orchestrators and the scaling records. */
import { didYouMean } from '../args/suggest.js';
import { systemClock, type Clock } from '../clock.js';
import { explainDenial, UsageError } from '../errors.js';
import type { Conversation, Principal } from '../identity.js';
import { SharedReads, STATUS_READ_TTL_MS } from '../shared-reads.js';
import type { Orchestrator, ReplicaCount, ScaleTarget, ScalingPort, ScalingStore, ServiceReplicas } from './ports.js';

export interface ConfiguredEnvironment {
  readonly min: number;
  readonly max: number;
  readonly orchestrator: Orchestrator;
}

export interface ConfiguredService {
  readonly cooldownMs: number;
  readonly readyTimeoutMs: number;
  readonly pollIntervalMs: number;
  readonly defaultEnv: string | null;
  readonly environments: ReadonlyMap<string, ConfiguredEnvironment>;
}

export interface ScalingPortDeps {
  readonly services: ReadonlyMap<string, ConfiguredService>;
  readonly store: ScalingStore;
  readonly authorize: (principal: Principal, conversation: Conversation, permission: string) => void;
  /** Limit for one read in `describe` (status must stay quick). */
  readonly describeTimeoutMs?: number;
  /** For how long `describe` reuses a finished read (default STATUS_READ_TTL_MS). */
  readonly describeReuseMs?: number;
  readonly clock?: Clock;
}

export function scalePermission(service: string, env: string): string {
  return `scale:${service}:${env}`;
}

export function createScalingPort(deps: ScalingPortDeps): ScalingPort {
  const names = [...deps.services.keys()].sort();
  // `status` reads of one service environment are shared and briefly reused (shared-reads.ts); the
  // scale flow always reads afresh, since it plans and waits on what it reads.
  const statusReads = new SharedReads<ReplicaCount>(deps.clock ?? systemClock, deps.describeReuseMs ?? STATUS_READ_TTL_MS);
  const statusKey = (service: string, env: string): string => JSON.stringify([service, env]);

  const service = (name: string): ConfiguredService => {
    const found = deps.services.get(name);
    if (found !== undefined) return found;
    const known = names.length === 0 ? 'No services are configured.' : `Known services: ${names.join(', ')}.`;
    throw new UsageError(`There is no service \`${name}\`. ${known}${didYouMean(name, names)}`);
  };
  const orchestrator = (target: ScaleTarget): Orchestrator => {
    const env = deps.services.get(target.service)?.environments.get(target.env);
    if (env === undefined) throw new UsageError(`There is no service \`${target.service}\` in \`${target.env}\`.`);
    return env.orchestrator;
  };
  const resolve = (name: string, envName: string | undefined): ScaleTarget => {
    const s = service(name);
    const envs = [...s.environments.keys()].sort();
    const chosen = envName ?? s.defaultEnv;
    if (chosen === null) throw new UsageError(`\`${name}\` runs in ${envs.join(', ')}: say which with --env.`);
    const env = s.environments.get(chosen);
    if (env === undefined) throw new UsageError(`\`${name}\` has no environment \`${chosen}\` (it has ${envs.join(', ')}).${didYouMean(chosen, envs)}`);
    return {
      service: name,
      env: chosen,
      min: env.min,
      max: env.max,
      cooldownMs: s.cooldownMs,
      readyTimeoutMs: s.readyTimeoutMs,
      pollIntervalMs: s.pollIntervalMs,
      kind: env.orchestrator.kind,
      target: env.orchestrator.target,
    };
  };

  // Which service environments each scale playbook changes (the config does not change while running).
  const scaledBy = new Map<string, { service: string; env: string }[]>();
  for (const service of names) {
    const envs = [...(deps.services.get(service)?.environments ?? new Map<string, ConfiguredEnvironment>())].sort(([a], [b]) => a.localeCompare(b));
    for (const [env, e] of envs) {
      const playbook = e.orchestrator.scalePlaybook;
      if (playbook === undefined) continue;
      const list = scaledBy.get(playbook) ?? [];
      list.push({ service, env });
      scaledBy.set(playbook, list);
    }
  }

  return {
    services: () => names,
    scaledBy: (playbook) => scaledBy.get(playbook) ?? [],
    resolve,
    authorize(target, principal, conversation) {
      const permission = scalePermission(target.service, target.env);
      explainDenial(() => deps.authorize(principal, conversation, permission), permission, `Scaling \`${target.service}\` in \`${target.env}\` needs the permission \`${permission}\`, and none of your roles grants it.`);
    },
    read: (target, signal) => orchestrator(target).read(signal),
    async scale(target, replicas, expected, signal) {
      try {
        await orchestrator(target).scale(replicas, expected, signal);
      } finally {
        // Whatever `status` read before no longer holds once this process has asked for a change.
        statusReads.forget(statusKey(target.service, target.env));
      }
    },
    lastScaling: (target) => deps.store.last(target.service, target.env),
    record: (entry) => deps.store.record(entry),
    settle: (jobId, taken) => deps.store.settle(jobId, taken),
    async describe(name, signal) {
      const s = service(name);
      const rows = [...s.environments.entries()].sort(([a], [b]) => a.localeCompare(b));
      return Promise.all(
        rows.map(async ([env, e]): Promise<ServiceReplicas> => {
          const base = { service: name, env, kind: e.orchestrator.kind, min: e.min, max: e.max };
          const last = await deps.store.last(name, env);
          try {
            const timeoutMs = deps.describeTimeoutMs ?? 10_000;
            const counts = await statusReads.get(statusKey(name, env), () => e.orchestrator.read(AbortSignal.timeout(timeoutMs)), signal);
            return { ...base, counts, error: null, last };
          } catch (error: unknown) {
            if (signal.aborted) throw error;
            return { ...base, counts: null, error: error instanceof Error ? error.message : String(error), last };
          }
        }),
      );
    },
  };
}
