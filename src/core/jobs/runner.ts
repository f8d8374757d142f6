/**
 * Every side effect is a job: persisted, locked per target, audited before and after (in the same
 * transaction as the state change), time-bounded, cancellable through an AbortSignal, with throttled
 * progress and a redacted output tail. Handlers never see any of this; they get a CommandContext.
 */
import type { AnyArgValues } from '../args/schema.js';
import type { Clock } from '../clock.js';
import type { Command, CommandContext } from '../command.js';
import { CancelledError, ConflictError, TimeoutError, isOpsbotError } from '../errors.js';
import type { Conversation, Principal } from '../identity.js';
import type { Logger } from '../log.js';
import type { Message } from '../message.js';
import type { Metrics } from '../metrics.js';
import type { Notifier } from '../notify.js';
import type { Ports } from '../ports.js';
import type { JobFinal, JobRecord, JobState, LockRecord, NewAuditEntry, Store } from '../store.js';
import { OutputBuffer } from './output.js';
import { Throttle } from './throttle.js';
import { describeHolder, failureMessage, redactMessage, summarize } from './texts.js';

export interface JobSettings {
  readonly defaultTimeoutMs: number;
  readonly lockTtlMs: number;
  readonly heartbeatMs: number;
  readonly progressThrottleMs: number;
  readonly outputLimitBytes: number;
  /** How often a queued job retries its lock. */
  readonly queuePollMs: number;
}

export interface JobRequest {
  readonly command: Command;
  readonly values: AnyArgValues;
  /** Canonical, redacted command text. */
  readonly text: string;
  readonly redactedArgs: Readonly<Record<string, unknown>>;
  readonly permission: string;
  readonly principal: Principal;
  readonly conversation: Conversation;
  readonly invocationId: string;
  readonly dryRun: boolean;
  readonly queue: boolean;
  /** Secret values of this invocation, masked in output and errors. */
  readonly secrets: readonly string[];
}

export interface JobOutcome {
  readonly job: JobRecord;
  readonly reply: Message;
}

export interface StartedJob {
  readonly job: JobRecord;
  /** Settles when the job reaches a final state; never rejects. */
  readonly completion: Promise<JobOutcome>;
}

export type JobEvent =
  | { readonly type: 'progress'; readonly job: JobRecord }
  | { readonly type: 'finished'; readonly job: JobRecord; readonly reply: Message };

export interface JobRunnerDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly notifier: Notifier;
  readonly owner: string;
  readonly settings: JobSettings;
  /** Secrets from the config (every `${VAR}` value), masked in every job's output. */
  readonly configSecrets: readonly string[];
  /** Late-bound because the ports include this runner (jobs port). */
  ports(): Ports;
}

/** Why a job's signal was aborted: decides the final state. */
class Interruption extends Error {}

interface RunningJob {
  readonly controller: AbortController;
  readonly completion: Promise<JobOutcome>;
}

export class JobRunner {
  private readonly running = new Map<number, RunningJob>();
  private readonly listeners = new Set<(event: JobEvent) => void>();
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private closing = false;

  constructor(private readonly deps: JobRunnerDeps) {}

  onEvent(listener: (event: JobEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  runningIds(): number[] {
    return [...this.running.keys()];
  }

  async start(request: JobRequest): Promise<StartedJob> {
    if (this.closing) throw new ConflictError('opsbot is shutting down; try again in a moment.');
    const { store, clock, settings, owner } = this.deps;
    const now = clock.now();
    const lockKey = request.command.lock(request.values);
    const result = await store.jobs.begin(
      {
        command: request.command.name,
        text: request.text,
        args: request.redactedArgs,
        principal: request.principal,
        conversation: request.conversation,
        lockKey,
        dryRun: request.dryRun,
        owner,
        timeoutMs: request.command.timeout ?? settings.defaultTimeoutMs,
        now,
      },
      this.audit(request, 'job_started', now),
      { lock: lockKey === null ? null : { key: lockKey, ttlMs: settings.lockTtlMs }, queueIfLocked: request.queue },
    );
    if (!result.ok) {
      await store.audit.append({ ...this.audit(request, 'conflict', now), detail: `locked: ${describeHolder(result.holder)}` });
      throw lockConflict(lockKey ?? '', result.holder);
    }
    const controller = new AbortController();
    const completion = this.execute(result.job, request, controller);
    this.running.set(result.job.id, { controller, completion });
    this.ensureHeartbeat();
    return { job: result.job, completion };
  }

  /** Cancels a job running in this process. Returns false if it is not running here. */
  cancelLocal(id: number, by: Principal): boolean {
    const job = this.running.get(id);
    if (job === undefined) return false;
    job.controller.abort(new CancelledError(`Cancelled by ${by.name}.`));
    return true;
  }

  /**
   * Stops taking jobs, lets running ones finish for up to `graceMs`, then interrupts the rest
   * (they end as `interrupted`, their locks released and their conversations told).
   */
  async shutdown(graceMs: number): Promise<void> {
    this.closing = true;
    const all = () => Promise.allSettled([...this.running.values()].map((j) => j.completion));
    await Promise.race([all(), sleep(graceMs)]);
    for (const job of this.running.values()) job.controller.abort(new Interruption('opsbot shut down before this job finished.'));
    await Promise.race([all(), sleep(5_000)]);
    if (this.heartbeatTimer !== null) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }

  private async execute(job: JobRecord, request: JobRequest, controller: AbortController): Promise<JobOutcome> {
    const { store, clock, settings, logger } = this.deps;
    const log = logger.child({ jobId: job.id, command: job.command, invocationId: request.invocationId });
    const output = new OutputBuffer(settings.outputLimitBytes, [...this.deps.configSecrets, ...request.secrets]);
    const refs: Record<string, string> = {};
    let progress = { step: null as string | null, done: null as number | null, total: null as number | null };
    const timeoutMs = job.timeoutMs;
    const timer = setTimeout(() => controller.abort(new TimeoutError(`Timed out after ${Math.round(timeoutMs / 1000)} s.`)), timeoutMs);
    const startedAt = Date.now();

    const snapshot = (): JobRecord => ({ ...job, step: progress.step, progressDone: progress.done, progressTotal: progress.total, output: output.toString(), refs: { ...refs } });
    const publish = new Throttle<null>(settings.progressThrottleMs, () => {
      const current = snapshot();
      this.emit({ type: 'progress', job: current });
      store.jobs
        .progress(job.id, { step: current.step, done: current.progressDone, total: current.progressTotal, output: current.output, refs: current.refs })
        .catch((error: unknown) => log.warn({ err: error }, 'could not persist job progress'));
    });

    let final: Omit<JobFinal, 'now'>;
    let reply: Message;
    try {
      if (job.state === 'queued') {
        job = await this.waitForLock(job, request, controller.signal);
        await this.deps.notifier.notify(job.conversation, { tone: 'info', blocks: [{ kind: 'text', text: `Job #${job.id} (${job.text}) got its lock and is starting.` }] });
      }
      const ctx: CommandContext = {
        principal: request.principal,
        conversation: request.conversation,
        invocationId: request.invocationId,
        jobId: job.id,
        dryRun: request.dryRun,
        signal: controller.signal,
        clock,
        ports: this.deps.ports(),
        log: (line) => {
          output.append(line);
          publish.push(null);
        },
        progress: (step, counts) => {
          progress = { step: output.redact(step), done: counts?.done ?? null, total: counts?.total ?? null };
          publish.push(null);
        },
        ref: (name, value) => {
          refs[name] = output.redact(value);
          publish.push(null);
        },
      };
      reply = redactMessage(await untilAborted(request.command.run(request.values, ctx), controller.signal), (text) => output.redact(text));
      final = { state: 'succeeded', summary: summarize(reply), error: null, output: output.toString(), refs };
    } catch (error: unknown) {
      const reason: unknown = controller.signal.aborted ? controller.signal.reason : error;
      const state = finalStateOf(reason, controller.signal.aborted);
      const text = output.redact(reason instanceof Error ? reason.message : String(reason));
      if (state === 'failed' && !isOpsbotError(reason)) log.error({ err: reason }, 'job failed with an unexpected error');
      const shown = state === 'failed' && !isOpsbotError(reason) ? `Unexpected error (ref ${request.invocationId}); see the log.` : text;
      final = { state, summary: null, error: shown, output: output.toString(), refs };
      reply = failureMessage(job, state, shown);
    } finally {
      clearTimeout(timer);
      publish.flush();
    }

    let finished: JobRecord;
    try {
      finished = await store.jobs.finish(job.id, { ...final, now: clock.now() }, {
        ...this.audit(request, 'job_finished', clock.now()),
        jobId: job.id,
        outcome: final.state,
        detail: final.error ?? final.summary,
        refs,
      });
    } catch (error: unknown) {
      // The job ran; only its record could not be written. Recovery will mark it interrupted later.
      log.error({ err: error }, 'could not record the end of a job');
      finished = { ...snapshot(), state: final.state, finishedAt: clock.now(), summary: final.summary, error: final.error };
    }
    this.running.delete(job.id);
    this.deps.metrics.jobFinished(job.command, finished.state, (Date.now() - startedAt) / 1000);
    this.emit({ type: 'finished', job: finished, reply });
    return { job: finished, reply };
  }

  private async waitForLock(job: JobRecord, request: JobRequest, signal: AbortSignal): Promise<JobRecord> {
    const { store, clock, settings } = this.deps;
    for (;;) {
      signal.throwIfAborted();
      const result = await store.jobs.promote(job.id, { key: job.lockKey ?? '', ttlMs: settings.lockTtlMs }, this.audit(request, 'job_started', clock.now()));
      if (result.ok) return result.job;
      await sleep(settings.queuePollMs, signal);
    }
  }

  private ensureHeartbeat(): void {
    if (this.heartbeatTimer !== null) return;
    const { store, clock, settings, logger } = this.deps;
    this.heartbeatTimer = setInterval(() => {
      const ids = this.runningIds();
      if (ids.length === 0) return;
      store.jobs
        .heartbeat(ids, clock.now(), settings.lockTtlMs)
        .then((cancelled) => {
          // Cancellation asked for on another replica arrives with the heartbeat.
          for (const id of cancelled) this.running.get(id)?.controller.abort(new CancelledError('Cancelled from another opsbot replica.'));
        })
        .catch((error: unknown) => logger.warn({ err: error }, 'job heartbeat failed'));
    }, settings.heartbeatMs);
    this.heartbeatTimer.unref();
  }

  private emit(event: JobEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error: unknown) {
        this.deps.logger.warn({ err: error }, 'job event listener failed');
      }
    }
  }

  private audit(request: JobRequest, event: NewAuditEntry['event'], at: Date): NewAuditEntry {
    return {
      at,
      event,
      principal: request.principal,
      conversation: request.conversation,
      command: request.command.name,
      args: request.redactedArgs,
      permission: request.permission,
      jobId: null,
      outcome: null,
      detail: null,
      refs: {},
    };
  }
}

export function lockConflict(key: string, holder: LockRecord): ConflictError {
  return new ConflictError(`\`${key}\` is locked by ${describeHolder(holder)}.`, {
    hint: 'Add --queue to wait for it, or ask the holder.',
  });
}

function finalStateOf(reason: unknown, aborted: boolean): Exclude<JobState, 'queued' | 'running'> {
  if (!aborted) return reason instanceof CancelledError ? 'cancelled' : 'failed';
  if (reason instanceof TimeoutError) return 'timed_out';
  if (reason instanceof CancelledError) return 'cancelled';
  if (reason instanceof Interruption) return 'interrupted';
  return 'failed';
}

/** Resolves with the handler's result, or rejects as soon as the signal aborts (a stuck handler cannot hold a job open). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(asError(signal.reason));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(asError(signal.reason));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(asError(error));
      },
    );
  });
}

function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    timer.unref();
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(asError(signal.reason));
    }, { once: true });
  });
}
