/**
 * One GitLab project's pipelines as a PipelineBackend: create a pipeline (API token) or trigger one
 * (trigger token) with variables, follow its status and jobs by polling, and take Pipeline Hook
 * events pushed through the hub as they come so chat sees progress before the next poll.
 */
import { formatDuration } from '../../core/args/duration.js';
import { BackendError, ConflictError, NotFoundError } from '../../core/errors.js';
import type { PipelineEventHub } from '../../core/pipelines/events.js';
import { pause } from '../../core/pipelines/pause.js';
import type { PipelineBackend, PipelineOutcome, PipelineRun, PipelineSnapshot, PipelineState, PipelineUpdate, RetryVetting, StartRequest } from '../../core/pipelines/ports.js';
import { patiently, type Patience } from '../jenkins/patient.js';
import { GitlabClient, type GitlabJob, type GitlabPipeline as PipelineJson } from './client.js';

export interface GitlabPipelineSettings {
  readonly pipeline: string;
  readonly url: string;
  /** Numeric id or `group/project` path. */
  readonly project: string;
  readonly token: string;
  /** When set, runs are started through the trigger endpoint with this token. */
  readonly triggerToken: string | null;
  readonly pollIntervalMs: number;
  readonly requestTimeoutMs: number;
  /** How long a follow waits out GitLab being unavailable (patient.ts); DEFAULT_OUTAGE_MS when absent. */
  readonly outageMs?: number;
  /** How long a pipeline may wait to start before the follow cancels it; no limit when absent. */
  readonly queueTimeoutMs?: number;
}

/** A pipeline waiting to start: no job of it runs yet (`scheduled`, a delayed job's timer, is meant to wait). */
const WAITING = new Set(['created', 'pending', 'waiting_for_resource', 'preparing']);

interface JobLike {
  readonly name: string;
  readonly stage: string;
  readonly status: string;
  readonly failure_reason?: string | null;
}

const FINISHED_JOB = new Set(['success', 'failed', 'canceled', 'skipped', 'manual']);

export class GitlabPipeline implements PipelineBackend {
  readonly kind = 'gitlab' as const;
  readonly target: string;
  private readonly client: GitlabClient;

  constructor(
    private readonly settings: GitlabPipelineSettings,
    private readonly hub: PipelineEventHub,
  ) {
    this.client = new GitlabClient({ url: settings.url, token: settings.token, requestTimeoutMs: settings.requestTimeoutMs });
    this.target = `GitLab project ${settings.project} on ${this.client.origin}`;
  }

  async start(request: StartRequest, signal: AbortSignal): Promise<PipelineRun> {
    if (request.ref === null) throw new BackendError(`GitLab needs a ref to run ${this.settings.pipeline}; set one with --ref or a default in the config.`, 'gitlab');
    const created =
      this.settings.triggerToken === null
        ? await this.client.createPipeline(this.settings.project, request.ref, request.variables, signal)
        : await this.client.triggerPipeline(this.settings.project, request.ref, this.settings.triggerToken, request.variables, signal);
    return this.runOf(created);
  }

  async follow(run: PipelineRun, onUpdate: (update: PipelineUpdate) => void, signal: AbortSignal): Promise<PipelineOutcome> {
    const id = this.pipelineId(run);
    let current = run;
    let unsubscribe: (() => void) | null = null;
    let resume: (() => void) | null = null;
    // An event that lands between two polls (not during a pause) must still cut the next pause short.
    let woken = false;
    let lastState: PipelineState = 'queued';
    /** Since when the pipeline has waited to start (no runner takes its jobs); null while it runs. */
    let waitingSince: number | null = null;
    // GitLab briefly unavailable (a 502 while it deploys itself, a 429) is waited out, not a failure.
    const patience: Patience = {
      signal,
      firstWaitMs: this.settings.pollIntervalMs,
      outageMs: this.settings.outageMs,
      report: (step) => onUpdate({ run: current, state: lastState, step, done: null, total: null, lines: [] }),
    };
    try {
      for (;;) {
        const { pipeline, jobs } = await patiently(async () => {
          const read = await this.client.pipeline(this.settings.project, id, signal);
          return { pipeline: read, jobs: await this.client.jobs(this.settings.project, id, signal) };
        }, patience);
        current = this.runOf(pipeline);
        unsubscribe ??= this.hub.subscribe({ project: this.settings.project, projectId: pipeline.project_id, pipelineId: pipeline.id }, (event) => {
          // Pushed: report at once, then poll now for the authoritative state.
          onUpdate(this.updateOf(current, event.status, event.jobs));
          woken = true;
          resume?.();
        });
        const state = stateOf(pipeline.status);
        lastState = state;
        if (isFinal(state)) return outcomeOf(current, pipeline, jobs);
        waitingSince = WAITING.has(pipeline.status) ? (waitingSince ?? Date.now()) : null;
        if (waitingSince !== null && this.settings.queueTimeoutMs !== undefined && Date.now() - waitingSince >= this.settings.queueTimeoutMs) {
          await this.giveUpWaiting(pipeline, Date.now() - waitingSince, signal);
        }
        onUpdate(this.updateOf(current, pipeline.status, jobs));
        await pause(this.settings.pollIntervalMs, signal, (wake) => {
          if (woken) wake();
          resume = wake;
          return () => {
            resume = null;
          };
        });
        woken = false;
      }
    } finally {
      unsubscribe?.();
    }
  }

  async status(run: PipelineRun, signal: AbortSignal): Promise<PipelineSnapshot> {
    const id = this.pipelineId(run);
    const pipeline = await this.client.pipeline(this.settings.project, id, signal);
    const jobs = await this.client.jobs(this.settings.project, id, signal);
    return {
      run: this.runOf(pipeline),
      state: stateOf(pipeline.status),
      summary: `Pipeline #${pipeline.id} on ${pipeline.ref} is ${pipeline.status}.`,
      parts: jobs.map((j) => ({ name: `${j.stage}/${j.name}`, status: j.status })),
    };
  }

  async cancel(run: PipelineRun, signal: AbortSignal): Promise<string> {
    const pipeline = await this.client.cancel(this.settings.project, this.pipelineId(run), signal);
    return `GitLab pipeline #${pipeline.id} is now ${pipeline.status}.`;
  }

  /**
   * GitLab retries the pipeline's failed jobs in place, with the variables it had. The pipeline may
   * be any of the project's, started in GitLab itself on any branch: its ref must fit the catalog, as
   * a `pipeline run` on it would. (Its variables cannot be read through the API used here.)
   */
  async retry(run: PipelineRun, signal: AbortSignal, vet: RetryVetting): Promise<PipelineRun> {
    const id = this.pipelineId(run);
    const pipeline = await this.client.pipeline(this.settings.project, id, signal);
    // GitLab re-runs only failed and cancelled jobs: "retrying" a pipeline that succeeded runs
    // nothing, and following it would report a success at once that no new run earned.
    if (pipeline.status === 'success') {
      throw new ConflictError(`${run.pipeline}#${id} succeeded: GitLab retries only failed or cancelled jobs, so nothing would run again. Start a new run with \`pipeline run ${run.pipeline}\`.`);
    }
    vet(pipeline.ref, null);
    return this.runOf(await this.client.retry(this.settings.project, id, signal));
  }

  /**
   * A pipeline no runner takes would otherwise hold its job (and a deploy waiting on its build) for
   * the job's whole timeout: it is cancelled, as a Jenkins build stuck in the queue is removed from it.
   */
  private async giveUpWaiting(pipeline: PipelineJson, waitedMs: number, signal: AbortSignal): Promise<never> {
    const cancelled = await this.client.cancel(this.settings.project, pipeline.id, signal).then(
      () => ' and was cancelled',
      () => '; cancelling it failed, so it may still start',
    );
    throw new BackendError(`GitLab pipeline #${pipeline.id} waited ${formatDuration(Math.round(waitedMs / 1000) * 1000)} to start (${pipeline.status}: no runner took its jobs)${cancelled}.`, 'gitlab');
  }

  private pipelineId(run: PipelineRun): number {
    const id = Number(run.id);
    if (!Number.isSafeInteger(id) || id <= 0) throw new NotFoundError(`\`${run.pipeline}#${run.id}\` is not a GitLab pipeline id.`);
    return id;
  }

  private runOf(pipeline: PipelineJson): PipelineRun {
    return { pipeline: this.settings.pipeline, backend: 'gitlab', id: String(pipeline.id), url: pipeline.web_url ?? null };
  }

  private updateOf(run: PipelineRun, status: string, jobs: readonly JobLike[]): PipelineUpdate {
    const done = jobs.filter((j) => FINISHED_JOB.has(j.status)).length;
    const active = jobs.filter((j) => j.status === 'running');
    const failed = jobs.filter((j) => j.status === 'failed');
    const detail = [
      ...active.map((j) => `${j.name} running`),
      ...failed.map((j) => `${j.name} failed`),
    ];
    const step = `pipeline #${run.id} ${status}${detail.length === 0 ? '' : `: ${detail.join(', ')}`}`;
    return { run, state: stateOf(status), step, done: jobs.length === 0 ? null : done, total: jobs.length === 0 ? null : jobs.length, lines: [] };
  }
}

export function stateOf(status: string): PipelineState {
  switch (status) {
    case 'success':
      return 'succeeded';
    case 'failed':
    case 'skipped':
      return 'failed';
    case 'canceled':
      return 'cancelled';
    case 'manual':
      return 'manual';
    case 'running':
    case 'canceling':
      return 'running';
    default:
      // created, waiting_for_resource, preparing, pending, scheduled, waiting_for_callback, and new ones.
      return 'queued';
  }
}

function isFinal(state: PipelineState): state is PipelineOutcome['state'] {
  return state === 'succeeded' || state === 'failed' || state === 'cancelled' || state === 'manual';
}

function outcomeOf(run: PipelineRun, pipeline: PipelineJson, jobs: readonly GitlabJob[]): PipelineOutcome {
  const state = stateOf(pipeline.status) as PipelineOutcome['state'];
  const took = pipeline.duration === null || pipeline.duration === undefined ? '' : ` in ${Math.round(pipeline.duration)} s`;
  const failed = jobs.filter((j) => j.status === 'failed' && j.allow_failure !== true);
  const manual = jobs.filter((j) => j.status === 'manual');
  let summary = `Pipeline #${pipeline.id} on ${pipeline.ref} ${pipeline.status}${took}.`;
  if (failed.length > 0) summary += ` Failed: ${failed.map((j) => `${j.name}${j.failure_reason === null || j.failure_reason === undefined ? '' : ` (${j.failure_reason})`}`).join(', ')}.`;
  if (state === 'manual' && manual.length > 0) summary += ` Waiting for a manual job: ${manual.map((j) => j.name).join(', ')}.`;
  if (pipeline.yaml_errors !== null && pipeline.yaml_errors !== undefined && pipeline.yaml_errors !== '') summary += ` YAML errors: ${pipeline.yaml_errors}.`;
  return { run, state, summary };
}
