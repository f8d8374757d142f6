/**
 * A Docker Swarm service: its replica count is `Spec.Mode.Replicated.Replicas`, changed through the
 * Engine API with the service's current version index (optimistic concurrency: a stale index is
 * refused by the daemon, and a count that moved since the plan was made is refused here). Ready
 * replicas are its tasks that are meant to run and do.
 */
import type Docker from 'dockerode';
import { BackendError, ConflictError } from '../../core/errors.js';
import type { Orchestrator, ReplicaCount } from '../../core/scaling/ports.js';
import { dockerClient, dockerError } from './docker-client.js';

export interface SwarmSettings {
  readonly service: string;
  readonly dockerHost: string | null;
}

interface ServiceInfo {
  readonly Version?: { readonly Index?: number };
  readonly Spec?: { readonly Mode?: { readonly Replicated?: { readonly Replicas?: number }; readonly Global?: unknown } } & Record<string, unknown>;
}

/** The daemon's answer to a stale `version` (`rpc error: code = Unknown desc = update out of sequence`). */
const OUT_OF_SEQUENCE = /\(\d+\): .*\bupdate out of sequence\b/;

interface TaskInfo {
  readonly Status?: { readonly State?: string };
  readonly DesiredState?: string;
}

export class SwarmOrchestrator implements Orchestrator {
  readonly kind = 'swarm' as const;
  readonly target: string;
  private readonly docker: () => Promise<Docker>;
  private readonly where: string;

  constructor(private readonly settings: SwarmSettings) {
    this.docker = dockerClient(settings.dockerHost);
    this.where = settings.dockerHost ?? 'the default Docker host';
    this.target = `Swarm service ${settings.service} on ${this.where}`;
  }

  async read(signal: AbortSignal): Promise<ReplicaCount> {
    const { desired } = await this.inspect(signal);
    let tasks: TaskInfo[];
    try {
      tasks = (await (await this.docker()).listTasks({ filters: { service: [this.settings.service], 'desired-state': ['running'] }, abortSignal: signal })) as TaskInfo[];
    } catch (error: unknown) {
      throw dockerError(error, `the tasks of ${this.settings.service}`, this.where, signal);
    }
    return { desired, ready: tasks.filter((t) => t.Status?.State === 'running').length };
  }

  async scale(replicas: number, expected: number, signal: AbortSignal): Promise<void> {
    const { desired, version, spec } = await this.inspect(signal);
    if (desired !== expected) throw new ConflictError(`${this.settings.service} changed meanwhile (it now wants ${desired} replicas, not ${expected}); look again and retry.`);
    const mode = { ...(spec.Mode ?? {}), Replicated: { ...(spec.Mode?.Replicated ?? {}), Replicas: replicas } };
    try {
      await (await this.docker()).getService(this.settings.service).update({ _query: { version }, _body: { ...spec, Mode: mode }, abortSignal: signal });
    } catch (error: unknown) {
      const what = `updating ${this.settings.service} (version ${version})`;
      const failure = dockerError(error, what, this.where, signal);
      // A stale version: the service changed since it was read (a person, a rolling update), and the
      // daemon changed nothing. The Engine says so only in swarmkit's words, with a 500. As a conflict,
      // the scale flow knows nothing happened (no cooldown), as with Kubernetes' 409.
      if (failure instanceof BackendError && OUT_OF_SEQUENCE.test(failure.message)) {
        throw new ConflictError(`Docker refused ${what}: it changed meanwhile (update out of sequence); look again and retry.`, { cause: error });
      }
      throw failure;
    }
  }

  private async inspect(signal: AbortSignal): Promise<{ desired: number; version: number; spec: NonNullable<ServiceInfo['Spec']> }> {
    let info: ServiceInfo;
    try {
      info = (await (await this.docker()).getService(this.settings.service).inspect({ abortSignal: signal })) as ServiceInfo;
    } catch (error: unknown) {
      throw dockerError(error, `service ${this.settings.service}`, this.where, signal);
    }
    const spec = info.Spec ?? {};
    const replicas = spec.Mode?.Replicated?.Replicas;
    if (replicas === undefined) throw new BackendError(`${this.settings.service} is not a replicated service (global services run one task per node and cannot be scaled).`, 'docker');
    const version = info.Version?.Index;
    if (version === undefined) throw new BackendError(`Docker did not report the version of ${this.settings.service}.`, 'docker');
    return { desired: replicas, version, spec };
  }
}
