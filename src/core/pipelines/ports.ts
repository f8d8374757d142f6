/**
 * Pipelines: named CI pipelines (Jenkins jobs, GitLab projects) that chat may start, follow, cancel
 * and retry. Two layers:
 * - PipelineBackend: one configured pipeline on one server (src/backends/jenkins, src/backends/gitlab);
 * - PipelinePort: the catalog of every named pipeline, with typed variables, over those backends.
 *   Commands and the deploy flow use only this port.
 */
import type { Conversation, Principal } from '../identity.js';
import type { PipelineInfo, PreparedRun } from './catalog.js';

export type PipelineBackendKind = 'jenkins' | 'gitlab';

/** Where a run is: still queued, running, or finished one way or another. */
export type PipelineState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'manual';

export const FINAL_PIPELINE_STATES: readonly PipelineState[] = ['succeeded', 'failed', 'cancelled', 'manual'];

/**
 * A run on the server. `id` is what the backend addresses it by: a Jenkins build number (or
 * `queue-<id>` while it waits in the queue), a GitLab pipeline id. It is written as `<pipeline>#<id>`.
 */
export interface PipelineRun {
  readonly pipeline: string;
  readonly backend: PipelineBackendKind;
  readonly id: string;
  /** The run's page on the server, when known. */
  readonly url: string | null;
}

/** One moment of a run, as reported while following it. */
export interface PipelineUpdate {
  /** The run as known now (a Jenkins queue item becomes a build number). */
  readonly run: PipelineRun;
  readonly state: PipelineState;
  /** Short words for the job's progress line: `stage deploy: deploy-production running`. */
  readonly step: string;
  readonly done: number | null;
  readonly total: number | null;
  /** New console lines since the last update (Jenkins progressive log); never repeated. */
  readonly lines: readonly string[];
}

/** How a run ended. */
export interface PipelineOutcome {
  readonly run: PipelineRun;
  readonly state: Extract<PipelineState, 'succeeded' | 'failed' | 'cancelled' | 'manual'>;
  /** The backend's own words: result, failed jobs and their reasons. */
  readonly summary: string;
}

/** A point-in-time look at a run, for `/pipeline status`. */
export interface PipelineSnapshot {
  readonly run: PipelineRun;
  readonly state: PipelineState;
  readonly summary: string;
  /** Jobs or stages, when the backend has them: name → status. */
  readonly parts: readonly { readonly name: string; readonly status: string }[];
}

export interface StartRequest {
  /** A git ref (GitLab) or the value of the job's ref parameter (Jenkins); null when unused. */
  readonly ref: string | null;
  /** Typed and validated, rendered as strings the way the backend expects them. */
  readonly variables: Readonly<Record<string, string>>;
}

/** One configured pipeline on its server. Every call honours `signal`. */
export interface PipelineBackend {
  readonly kind: PipelineBackendKind;
  /** Where it runs, for dry runs and replies: `Jenkins job store/build on https://ci…`. */
  readonly target: string;
  /** Not idempotent: never retried blindly. */
  start(request: StartRequest, signal: AbortSignal): Promise<PipelineRun>;
  /** Follows a run to its end, reporting as it goes. Resolves with the outcome; rejects on faults. */
  follow(run: PipelineRun, onUpdate: (update: PipelineUpdate) => void, signal: AbortSignal): Promise<PipelineOutcome>;
  status(run: PipelineRun, signal: AbortSignal): Promise<PipelineSnapshot>;
  /** Stops a queued or running run; returns what happened in the backend's words. */
  cancel(run: PipelineRun, signal: AbortSignal): Promise<string>;
  /**
   * GitLab: retries the failed jobs of the same pipeline, once `vet` accepts its ref. Jenkins: a new
   * build with the earlier build's parameters, which `vet` passes through the catalog first (they may
   * have been typed into Jenkins itself).
   */
  retry(run: PipelineRun, signal: AbortSignal, vet: RetryVetting): Promise<PipelineRun>;
}

/**
 * An earlier run's ref and parameters as a new start may use them; throws UsageError when they do not
 * fit the catalog. `parameters` null: the run is retried in place with its own (GitLab), only the ref is checked.
 */
export type RetryVetting = (ref: string | null, parameters: Readonly<Record<string, string>> | null) => StartRequest;

export type PipelineAction = 'run' | 'status' | 'cancel' | 'retry';

/** The named pipelines of the config, as commands and the deploy flow see them. */
export interface PipelinePort {
  names(): readonly string[];
  describe(name: string): PipelineInfo | null;
  /**
   * Checks a run request against the catalog (known pipeline, allowed and well-typed variables, ref
   * pattern) without contacting anything. Throws UsageError naming what is wrong.
   */
  prepare(name: string, ref: string | undefined, variables: Readonly<Record<string, string>>): PreparedRun;
  /**
   * What `pipeline <action>` needs on this pipeline once it is known (a job number names it only when
   * looked up): `pipeline:<action>:<name>`, and for an action that changes a run the pipeline's extra
   * permission from the config, if any. Throws DeniedError when one is not granted.
   */
  authorize(name: string, principal: Principal, conversation: Conversation, action?: PipelineAction): void;
  start(name: string, ref: string | undefined, variables: Readonly<Record<string, string>>, signal: AbortSignal): Promise<{ run: PipelineRun; prepared: PreparedRun }>;
  follow(run: PipelineRun, onUpdate: (update: PipelineUpdate) => void, signal: AbortSignal): Promise<PipelineOutcome>;
  status(run: PipelineRun, signal: AbortSignal): Promise<PipelineSnapshot>;
  cancel(run: PipelineRun, signal: AbortSignal): Promise<string>;
  /** `note` hears what the retry changed (parameters left to the server's defaults). */
  retry(run: PipelineRun, signal: AbortSignal, note?: (line: string) => void): Promise<PipelineRun>;
}
