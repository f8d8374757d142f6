/**
 * One Jenkins job as a PipelineBackend: trigger (`build` or `buildWithParameters`), follow the queue
 * item from the `Location` header to its build number, stream the progressive console log, read the
 * result; stop; rebuild with the same parameters.
 */
import { BackendError, CancelledError } from '../../core/errors.js';
import { pause } from '../../core/pipelines/pause.js';
import type { PipelineBackend, PipelineOutcome, PipelineRun, PipelineSnapshot, PipelineUpdate, RetryVetting, StartRequest } from '../../core/pipelines/ports.js';
import { statusError } from './http.js';
import { buildShape, JenkinsClient, queueItemShape, type BuildInfo, type QueueItem } from './client.js';
import { ConsoleLines } from './console.js';
import { patiently, type Patience } from './patient.js';

export interface JenkinsPipelineSettings {
  readonly pipeline: string;
  readonly url: string;
  /** Job path, folders separated by `/` (`store/build`). */
  readonly job: string;
  readonly user: string;
  readonly token: string;
  /** Name of the job parameter that receives `--ref`, or null when the job takes no ref. */
  readonly refParameter: string | null;
  /** Use `buildWithParameters` (the job declares parameters) rather than `build`. */
  readonly parameterized: boolean;
  readonly pollIntervalMs: number;
  /** How long a build may wait in the queue (blocked, stuck, no executor) before we cancel it. */
  readonly queueTimeoutMs: number;
  readonly requestTimeoutMs: number;
  /** How long a follow waits out Jenkins being unavailable (patient.ts); DEFAULT_OUTAGE_MS when absent. */
  readonly outageMs?: number;
}

const QUEUE_PREFIX = 'queue-';
const BACKEND = 'Jenkins';

export class JenkinsPipeline implements PipelineBackend {
  readonly kind = 'jenkins' as const;
  readonly target: string;
  private readonly client: JenkinsClient;
  private readonly jobPath: string;

  constructor(private readonly settings: JenkinsPipelineSettings) {
    this.client = new JenkinsClient({ url: settings.url, user: settings.user, token: settings.token, requestTimeoutMs: settings.requestTimeoutMs });
    this.jobPath = JenkinsClient.jobPath(settings.job);
    this.target = `Jenkins job ${settings.job} on ${this.client.origin}`;
  }

  async start(request: StartRequest, signal: AbortSignal): Promise<PipelineRun> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(request.variables)) params.append(key, value);
    if (this.settings.refParameter !== null && request.ref !== null) params.set(this.settings.refParameter, request.ref);
    const withParameters = this.settings.parameterized || [...params.keys()].length > 0;
    const path = `${this.jobPath}${withParameters ? 'buildWithParameters' : 'build'}?delay=0sec`;
    await this.client.ensureCrumb(signal);
    // Not idempotent: one attempt. If it times out we cannot know whether Jenkins queued it.
    const reply = await this.client.post(path, withParameters ? params : null, signal).catch((error: unknown) => {
      if (error instanceof BackendError && /did not answer/.test(error.message)) {
        throw new BackendError(`${error.message} The build may or may not have been queued: check ${this.client.url(this.jobPath).href} before trying again.`, 'jenkins', { cause: error });
      }
      throw error;
    });
    if (reply.status !== 201 && reply.status !== 200 && reply.status !== 302) throw statusError(BACKEND, reply, `a build of ${this.settings.job}`);
    const location = reply.headers.get('location') ?? '';
    const queueId = /\/queue\/item\/(\d+)\/?$/.exec(location)?.[1];
    if (queueId === undefined) {
      throw new BackendError(`Jenkins accepted the build of ${this.settings.job} but did not say where it was queued (Location: ${location || 'none'}); not retrying, check ${this.client.url(this.jobPath).href}.`, 'jenkins');
    }
    return { pipeline: this.settings.pipeline, backend: 'jenkins', id: `${QUEUE_PREFIX}${queueId}`, url: this.client.url(`queue/item/${queueId}/`).href };
  }

  async follow(run: PipelineRun, onUpdate: (update: PipelineUpdate) => void, signal: AbortSignal): Promise<PipelineOutcome> {
    const build = run.id.startsWith(QUEUE_PREFIX) ? await this.leaveQueue(run, onUpdate, signal) : this.buildRun(Number(run.id), run.url);
    return this.followBuild(build, onUpdate, signal);
  }

  async status(run: PipelineRun, signal: AbortSignal): Promise<PipelineSnapshot> {
    if (run.id.startsWith(QUEUE_PREFIX)) {
      const item = await this.queueItem(run.id, signal);
      const number = item.executable?.number;
      if (number !== undefined) return this.status(this.buildRun(number, item.executable?.url ?? null), signal);
      if (item.cancelled === true) return { run, state: 'cancelled', summary: 'Cancelled in the Jenkins queue before it started.', parts: [] };
      return { run, state: 'queued', summary: `Queued: ${queueReason(item)}`, parts: [] };
    }
    const build = await this.build(Number(run.id), signal);
    const current = this.buildRun(build.number, build.url);
    if (build.building) return { run: current, state: 'running', summary: `Build #${build.number} is running.`, parts: [] };
    const state = resultState(build.result ?? null);
    return { run: current, state, summary: `Build #${build.number} finished ${build.result ?? 'without a result'}.`, parts: [] };
  }

  async cancel(run: PipelineRun, signal: AbortSignal): Promise<string> {
    if (run.id.startsWith(QUEUE_PREFIX)) {
      const item = await this.queueItem(run.id, signal);
      const number = item.executable?.number;
      if (number !== undefined) return this.cancel(this.buildRun(number, item.executable?.url ?? null), signal);
      const id = run.id.slice(QUEUE_PREFIX.length);
      const reply = await this.client.post(`queue/cancelItem?id=${id}`, null, signal);
      if (reply.status !== 204 && reply.status !== 200 && reply.status !== 302) throw statusError(BACKEND, reply, `cancelling queue item ${id}`);
      return `Removed queue item ${id} from the Jenkins queue.`;
    }
    const reply = await this.client.post(`${this.jobPath}${Number(run.id)}/stop`, null, signal);
    if (reply.status !== 200 && reply.status !== 302) throw statusError(BACKEND, reply, `stopping build #${run.id}`);
    return `Asked Jenkins to stop build #${run.id}.`;
  }

  async retry(run: PipelineRun, signal: AbortSignal, vet: RetryVetting): Promise<PipelineRun> {
    let number = Number(run.id);
    if (run.id.startsWith(QUEUE_PREFIX)) {
      const started = (await this.queueItem(run.id, signal)).executable?.number;
      if (started === undefined) throw new BackendError(`${run.pipeline}#${run.id} has not started yet; there is nothing to retry.`, 'jenkins');
      number = started;
    }
    const build = await this.build(number, signal);
    if (build.building) throw new BackendError(`Build #${number} is still running; cancel it first or wait for it to end.`, 'jenkins');
    const parameters: Record<string, string> = {};
    let ref: string | null = null;
    for (const action of build.actions ?? []) {
      for (const p of action?.parameters ?? []) {
        const value = p.value;
        if (typeof p.name !== 'string' || !(typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')) continue;
        if (p.name === this.settings.refParameter) ref = String(value);
        else parameters[p.name] = String(value);
      }
    }
    // The build may have been started in Jenkins itself, with anything: the catalog decides what goes again.
    return this.start(vet(ref, parameters), signal);
  }

  /** Jenkins briefly unavailable (a restart's 503, a proxy's 502) is waited out while following, not a failure. */
  private patience(signal: AbortSignal, report: (step: string) => void): Patience {
    return { signal, firstWaitMs: this.settings.pollIntervalMs, outageMs: this.settings.outageMs, report };
  }

  private buildRun(number: number, url: string | null): PipelineRun {
    return { pipeline: this.settings.pipeline, backend: 'jenkins', id: String(number), url: url ?? this.client.url(`${this.jobPath}${number}/`).href };
  }

  private queueItem(runId: string, signal: AbortSignal): Promise<QueueItem> {
    const id = runId.slice(QUEUE_PREFIX.length);
    return this.client.getJson(queueItemShape, `queue/item/${id}/api/json`, `queue item ${id}`, signal);
  }

  private build(number: number, signal: AbortSignal): Promise<BuildInfo> {
    return this.client.getJson(buildShape, `${this.jobPath}${number}/api/json`, `build #${number} of ${this.settings.job}`, signal);
  }

  /** Polls the queue item until it becomes a build; cancelled items end the run, stuck ones time out. */
  private async leaveQueue(run: PipelineRun, onUpdate: (update: PipelineUpdate) => void, signal: AbortSignal): Promise<PipelineRun> {
    const since = Date.now();
    const patience = this.patience(signal, (step) => onUpdate({ run, state: 'queued', step, done: null, total: null, lines: [] }));
    for (;;) {
      const item = await patiently(() => this.queueItem(run.id, signal), patience);
      const number = item.executable?.number;
      if (number !== undefined) return this.buildRun(number, item.executable?.url ?? null);
      if (item.cancelled === true) throw new CancelledError(`Jenkins cancelled queue item ${item.id} of ${this.settings.job} before it started.`);
      const reason = queueReason(item);
      onUpdate({ run, state: 'queued', step: `queued: ${reason}`, done: null, total: null, lines: [] });
      if (Date.now() - since >= this.settings.queueTimeoutMs) {
        const removed = await this.cancel(run, signal).then(() => ' and was removed from the queue', () => '');
        throw new BackendError(`The build of ${this.settings.job} waited ${Math.round((Date.now() - since) / 1000)} s in the Jenkins queue (${reason})${removed}.`, 'jenkins');
      }
      await pause(this.settings.pollIntervalMs, signal);
    }
  }

  private async followBuild(run: PipelineRun, onUpdate: (update: PipelineUpdate) => void, signal: AbortSignal): Promise<PipelineOutcome> {
    const number = Number(run.id);
    const lines = new ConsoleLines();
    let offset = 0;
    const patience = this.patience(signal, (step) => onUpdate({ run, state: 'running', step, done: null, total: null, lines: [] }));
    for (;;) {
      // Asked again from the same offset after an outage: no console line is lost or repeated.
      const chunk = await patiently(() => this.client.progressiveText(this.jobPath, number, offset, signal), patience);
      offset = chunk.next;
      const complete = lines.push(chunk.text, !chunk.more);
      const step = `build #${number} running${lines.stage === null ? '' : `: ${lines.stage}`}`;
      if (complete.length > 0 || chunk.more) onUpdate({ run, state: 'running', step, done: null, total: null, lines: complete });
      if (!chunk.more) break;
      await pause(this.settings.pollIntervalMs, signal);
    }
    // The log is complete; the result is set at the same moment or just after.
    for (;;) {
      const build = await patiently(() => this.build(number, signal), patience);
      if (!build.building) return outcomeOf(this.buildRun(build.number, build.url), build);
      await pause(this.settings.pollIntervalMs, signal);
    }
  }
}

function queueReason(item: QueueItem): string {
  const why = item.why ?? 'waiting';
  if (item.stuck === true) return `stuck: ${why}`;
  if (item.blocked === true) return `blocked: ${why}`;
  return why;
}

function resultState(result: string | null): PipelineSnapshot['state'] {
  switch (result) {
    case 'SUCCESS':
      return 'succeeded';
    case 'ABORTED':
      return 'cancelled';
    case null:
      return 'running';
    default:
      return 'failed';
  }
}

function outcomeOf(run: PipelineRun, build: BuildInfo): PipelineOutcome {
  const result = build.result ?? 'NOT_BUILT';
  const took = build.duration === undefined || build.duration === 0 ? '' : ` in ${Math.round(build.duration / 1000)} s`;
  const summary = `Build #${build.number} finished ${result}${took}.`;
  switch (result) {
    case 'SUCCESS':
      return { run, state: 'succeeded', summary };
    case 'ABORTED':
      return { run, state: 'cancelled', summary };
    default:
      // UNSTABLE, FAILURE, NOT_BUILT: not something to deploy.
      return { run, state: 'failed', summary };
  }
}
