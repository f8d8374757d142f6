/**
 * Scaling: the replica count of a configured service in one environment, changed through the
 * orchestrator that runs it there (src/backends/containers: Docker Compose, Docker Swarm, Kubernetes,
 * or a catalogued Ansible playbook).
 */
import type { Conversation, Principal } from '../identity.js';

export type OrchestratorKind = 'compose' | 'swarm' | 'kubernetes' | 'ansible';

export interface ReplicaCount {
  /** What the orchestrator is asked to run. */
  readonly desired: number;
  /** Running and (where the orchestrator knows) healthy. */
  readonly ready: number;
}

/** One service in one environment, as its orchestrator sees it. */
export interface Orchestrator {
  readonly kind: OrchestratorKind;
  /** `Compose service web of project demo`, for replies. */
  readonly target: string;
  /**
   * The catalogued playbook that changes the count, for an orchestrator that scales by one (ansible):
   * `run` refuses it bare, since run by hand it would skip the bounds, cooldown, permission and lock.
   */
  readonly scalePlaybook?: string;
  read(signal: AbortSignal): Promise<ReplicaCount>;
  /**
   * Sets the desired count. `expected` is the count the plan was computed from: an orchestrator that
   * can (Swarm's version index, Kubernetes' resourceVersion) refuses when it changed meanwhile. A
   * ConflictError means exactly that: refused, nothing changed (the scale flow then drops its record).
   */
  scale(replicas: number, expected: number, signal: AbortSignal): Promise<void>;
}

/** A service environment resolved from the config. */
export interface ScaleTarget {
  readonly service: string;
  readonly env: string;
  readonly min: number;
  readonly max: number;
  readonly cooldownMs: number;
  readonly readyTimeoutMs: number;
  readonly pollIntervalMs: number;
  readonly kind: OrchestratorKind;
  readonly target: string;
}

/** A scaling that happened, kept for the cooldown and for `/status`. */
export interface ScalingRecord {
  readonly service: string;
  readonly env: string;
  readonly at: Date;
  readonly from: number;
  readonly to: number;
  readonly jobId: number | null;
  readonly by: string;
  /**
   * Asked of the orchestrator, not (yet) confirmed: written before the orchestrator is told, so a
   * crash in between leaves this, never nothing. The cooldown counts it; it may or may not have happened.
   */
  readonly pending?: true;
}

/** Persisted scalings (src/store/scaling.ts). */
export interface ScalingStore {
  record(entry: ScalingRecord): Promise<void>;
  /** The job's pending scaling happened (`taken`: confirmed) or did not (removed). */
  settle(jobId: number, taken: boolean): Promise<void>;
  /** The newest scaling of a service environment, or null. */
  last(service: string, env: string): Promise<ScalingRecord | null>;
  /** The scaling a job wrote, or null (for recovery's report). */
  ofJob(jobId: number): Promise<ScalingRecord | null>;
}

/** Per environment, for `/status`: the counts, or why they could not be read. */
export interface ServiceReplicas {
  readonly service: string;
  readonly env: string;
  readonly kind: OrchestratorKind;
  readonly min: number;
  readonly max: number;
  readonly counts: ReplicaCount | null;
  readonly error: string | null;
  readonly last: ScalingRecord | null;
}

/** A service environment that a catalogued playbook scales. */
export interface ScaledByPlaybook {
  readonly service: string;
  readonly env: string;
}

export interface ScalingPort {
  services(): readonly string[];
  /** The service environments `playbook` (a catalog id) scales, sorted; empty when it scales none. */
  scaledBy(playbook: string): readonly ScaledByPlaybook[];
  /** Throws UsageError for an unknown service or environment. */
  resolve(service: string, env: string | undefined): ScaleTarget;
  /** `scale:<service>:<env>` for the resolved environment: throws DeniedError when not granted. */
  authorize(target: ScaleTarget, principal: Principal, conversation: Conversation): void;
  read(target: ScaleTarget, signal: AbortSignal): Promise<ReplicaCount>;
  scale(target: ScaleTarget, replicas: number, expected: number, signal: AbortSignal): Promise<void>;
  lastScaling(target: ScaleTarget): Promise<ScalingRecord | null>;
  record(entry: ScalingRecord): Promise<void>;
  settle(jobId: number, taken: boolean): Promise<void>;
  /** Desired and ready replicas of a service in each environment (for `/status`); never throws for one unreachable orchestrator. */
  describe(service: string, signal: AbortSignal): Promise<ServiceReplicas[]>;
}
