/**
 * Every side effect is a job: persisted, locked per target, audited before and after (in the same
 * transaction as the state change), time-bounded, cancellable through an AbortSignal, with throttled
 * progress and a redacted output tail. Handlers never see any of this; they get a CommandContext.
 */
import { formatDuration } from '../args/duration.js';
import type { AnyArgValues } from '../args/schema.js';
import type { Clock } from '../clock.js';
import type { Command, CommandContext } from '../command.js';
import { CancelledError, ConflictError, LockedError, TimeoutError, isOpsbotError } from '../errors.js';
import type { Conversation, Principal } from '../identity.js';
import type { Logger } from '../log.js';
import type { Message } from '../message.js';
import type { Metrics } from '../metrics.js';
import type { Notifier } from '../notify.js';
import type { Ports } from '../ports.js';
import type { FinalPost, JobFinal, JobRecord, JobState, LockRecord, NewAuditEntry, Store } from '../store.js';
import { OutputBuffer } from './output.js';
import { sleep, untilAborted } from '../abort.js';
import { Throttle } from './throttle.js';
import { LeaseKeeper } from './lease-keeper.js';
import { describeHolder, endedElsewhereMessage, failureMessage, redactMessage, summarize } from './texts.js';

export interface JobSettings {
  readonly defaultTimeoutMs: number;
  readonly lockTtlMs: number;
  readonly heartbeatMs: number;
  readonly progressThrottleMs: number;
  readonly outputLimitBytes: number;
  /** How long a queued job may wait for its lock. */
  readonly queueWaitMs: number;
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
  | {
      readonly type: 'finished';
      readonly job: JobRecord;
      readonly reply: Message;
      /** The job's final chat post was queued with its end, in the same transaction (FinalPostSource). */
      readonly postQueued: boolean;
    };

/**
 * Where a job's final chat post comes from (LiveJobPosts). The runner asks once the job's work is
 * over and before its end is written, so the post is stored in the same transaction as the end: a
 * crash can leave neither without the other.
 */
export interface FinalPostSource {
  /**
   * The builder of the job's final post, or null when the job has none. Resolves once no earlier
   * post or edit of the job can still be queued after the final one.
   */
  finalPost(job: JobRecord, reply: Message): Promise<FinalPost | null>;
}

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

/** The job is no longer this process's to run (LeaseKeeper): it ends `interrupted`, saying why. */
class LostLock extends Interruption {}

/** The job's own limit ran out while it waited for its lock (a handler's TimeoutError is a failure). */
class QueueWaitTimeout extends TimeoutError {}

interface RunningJob {
  readonly controller: AbortController;
  readonly completion: Promise<JobOutcome>;
}

export class JobRunner {
  private readonly running = new Map<number, RunningJob>();
  private readonly listeners = new Set<(event: JobEvent) => void>();
  private readonly leases: LeaseKeeper;
  private closing = false;
  private finalPosts: FinalPostSource | null = null;

  constructor(private readonly deps: JobRunnerDeps) {
    this.leases = new LeaseKeeper({
      jobs: deps.store.jobs,
      clock: deps.clock,
      logger: deps.logger,
      heartbeatMs: deps.settings.heartbeatMs,
      lockTtlMs: deps.settings.lockTtlMs,
      wakeups: deps.store.cancelWakeups,
      onCancelRequested: (id) => this.running.get(id)?.controller.abort(new CancelledError('Cancelled from another opsbot replica.')),
      onLost: (id, reason) => {
        const job = this.running.get(id);
        if (job === undefined || job.controller.signal.aborted) return;
        deps.logger.warn({ jobId: id, reason }, 'job lost its lock; stopping it');
        job.controller.abort(new LostLock(reason));
      },
    });
  }

  /** Jobs' final posts are built by `source` and stored with their end from now on. */
  useFinalPosts(source: FinalPostSource): void {
    this.finalPosts = source;
  }

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
    // The lease (when there is one) was taken at `now`, for lockTtlMs.
    this.leases.track(result.job.id, result.job.state === 'running' && lockKey !== null ? now : null);
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
    await Promise.race([all(), sleep(graceMs, undefined, { unref: true })]);
    for (const job of this.running.values()) job.controller.abort(new Interruption('opsbot shut down before this job finished.'));
    await Promise.race([all(), sleep(5_000, undefined, { unref: true })]);
    await this.leases.stop();
  }

  private async execute(job: JobRecord, request: JobRequest, controller: AbortController): Promise<JobOutcome> {
    const { store, clock, settings, logger } = this.deps;
    // The job's logger is made on first use: most jobs never log, and a pino child with redaction
    // rebuilds its redactor (about 6 KB of garbage per job in the job-start benchmark).
    let child: Logger | null = null;
    const log = (): Logger => (child ??= logger.child({ jobId: job.id, command: job.command, invocationId: request.invocationId }));
    const output = new OutputBuffer(settings.outputLimitBytes, [...this.deps.configSecrets, ...request.secrets]);
    const refs: Record<string, string> = {};
    let progress = { step: null as string | null, done: null as number | null, total: null as number | null };
    const timeoutMs = job.timeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const startedAt = Date.now();

    const snapshot = (): JobRecord => ({ ...job, step: progress.step, progressDone: progress.done, progressTotal: progress.total, output: output.toString(), refs: { ...refs } });
    /** Writes the job's step, output and refs as they are now. */
    const persist = (current: JobRecord): Promise<void> =>
      store.jobs.progress(job.id, { step: current.step, done: current.progressDone, total: current.progressTotal, output: current.output, refs: current.refs });
    const publish = new Throttle<null>(settings.progressThrottleMs, () => {
      const current = snapshot();
      this.emit({ type: 'progress', job: current });
      persist(current).catch((error: unknown) => log().warn({ err: error }, 'could not persist job progress'));
    });

    let final: Omit<JobFinal, 'now'>;
    let reply: Message;
    try {
      if (job.state === 'queued') {
        job = await this.waitForLock(job, request, controller.signal);
        await this.announceStart(job, log);
      }
      // The timeout bounds the run, not the wait in the queue: a job queued behind a long deploy
      // still gets its whole time instead of being aborted halfway through its own work.
      timer = setTimeout(() => controller.abort(new TimeoutError(`Timed out after ${Math.round(timeoutMs / 1000)} s.`)), timeoutMs);
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
        keepRefs: async () => {
          try {
            await persist(snapshot());
          } catch (error: unknown) {
            log().warn({ err: error }, 'could not persist job refs; they follow with the next progress');
          }
        },
      };
      reply = redactMessage(await untilAborted(request.command.run(request.values, ctx), controller.signal), (text) => output.redact(text));
      final = { state: 'succeeded', summary: summarize(reply), error: null, output: output.toString(), refs };
    } catch (error: unknown) {
      const reason: unknown = controller.signal.aborted ? controller.signal.reason : error;
      const state = finalStateOf(reason, controller.signal.aborted);
      const text = output.redact(reason instanceof Error ? reason.message : String(reason));
      // In the job's log too: its output may be all `job <id>` shows of a job stopped halfway.
      if (reason instanceof LostLock) output.append(`opsbot: ${text}`);
      if (state === 'failed' && !isOpsbotError(reason)) log().error({ err: reason }, 'job failed with an unexpected error');
      const shown = state === 'failed' && !isOpsbotError(reason) ? `Unexpected error (ref ${request.invocationId}); see the log.` : text;
      final = { state, summary: null, error: shown, output: output.toString(), refs };
      reply = failureMessage(job, state, shown);
    } finally {
      clearTimeout(timer);
      publish.flush();
    }

    this.leases.forget(job.id);
    const finalAudit: NewAuditEntry = { ...this.audit(request, 'job_finished', clock.now()), jobId: job.id, outcome: final.state, detail: final.error ?? final.summary, refs };
    const post = await this.finalPost(job, reply, log);
    let finished: JobRecord;
    let postQueued = false;
    const endedAt = clock.now();
    try {
      if (post === null) finished = await store.jobs.finish(job.id, { ...final, now: endedAt }, finalAudit);
      else ({ job: finished, posted: postQueued } = await store.jobs.finishWithPost(job.id, { ...final, now: endedAt }, finalAudit, post));
      // The store keeps the first end written: recovery in another process may have ended the job
      // (its lease was lost) before this end came. The record stays as recovery wrote it.
      if (finished.state !== final.state || finished.finishedAt?.getTime() !== endedAt.getTime()) {
        log().warn({ recorded: finished.state, own: final.state }, 'the job had already been ended by another opsbot process');
        reply = endedElsewhereMessage(finished, { state: final.state, error: final.error });
      }
    } catch (error: unknown) {
      // The job ran; only its record could not be written (the store is briefly unreachable). Keep
      // trying in the background: our own heartbeat stops now, so if this process dies first, the
      // lease goes stale and recovery on any replica marks the job interrupted.
      log().error({ err: error }, 'could not record the end of a job; retrying');
      finished = { ...snapshot(), state: final.state, finishedAt: clock.now(), summary: final.summary, error: final.error };
      void this.retryFinish(job.id, { ...final, now: clock.now() }, finalAudit, log());
    }
    this.running.delete(job.id);
    this.deps.metrics.jobFinished(job.command, finished.state, (Date.now() - startedAt) / 1000);
    this.emit({ type: 'finished', job: finished, reply, postQueued });
    return { job: finished, reply };
  }

  /** The final post's builder; a source that fails costs the job nothing (its post then goes out after the end). */
  private async finalPost(job: JobRecord, reply: Message, log: () => Logger): Promise<FinalPost | null> {
    if (this.finalPosts === null) return null;
    try {
      return await this.finalPosts.finalPost(job, reply);
    } catch (error: unknown) {
      log().warn({ err: error }, 'could not prepare the final post of a job; it follows the end instead');
      return null;
    }
  }

  private async retryFinish(jobId: number, final: JobFinal, audit: NewAuditEntry, log: Logger): Promise<void> {
    for (let attempt = 1; attempt <= 10; attempt += 1) {
      await sleep(Math.min(30_000, 500 * 2 ** attempt));
      try {
        await this.deps.store.jobs.finish(jobId, final, audit);
        log.info({ attempt }, 'recorded the end of the job after retrying');
        return;
      } catch (error: unknown) {
        log.warn({ err: error, attempt }, 'still cannot record the end of a job');
      }
    }
  }

  /**
   * Tells the conversation that a queued job got its lock. Only a courtesy: the job holds its lock
   * now and runs whether or not chat (or the outbox's store) takes the notice; its final post says
   * how it ended either way.
   */
  private async announceStart(job: JobRecord, log: () => Logger): Promise<void> {
    try {
      await this.deps.notifier.notify(job.conversation, { tone: 'info', blocks: [{ kind: 'text', text: `Job #${job.id} (${job.text}) got its lock and is starting.` }] });
    } catch (error: unknown) {
      log().warn({ err: error }, 'could not tell the conversation that a queued job is starting');
    }
  }

  /** Waits for the lock, at most `queueWaitMs`: a queue behind a long freeze ends as timed_out. */
  private async waitForLock(job: JobRecord, request: JobRequest, signal: AbortSignal): Promise<JobRecord> {
    const { store, clock, settings } = this.deps;
    const deadline = clock.now().getTime() + settings.queueWaitMs;
    for (;;) {
      signal.throwIfAborted();
      if (clock.now().getTime() > deadline) {
        throw new QueueWaitTimeout(`Waited ${formatDuration(settings.queueWaitMs)} for \`${job.lockKey ?? ''}\` to be free; gave up.`);
      }
      const now = clock.now();
      const result = await store.jobs.promote(job.id, { key: job.lockKey ?? '', ttlMs: settings.lockTtlMs }, this.audit(request, 'job_started', now));
      if (result.ok) {
        // promote takes the lease at the audit entry's time.
        this.leases.leaseTaken(job.id, now);
        return result.job;
      }
      await sleep(settings.queuePollMs, signal);
    }
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
      dryRun: request.dryRun,
    };
  }
}

export function lockConflict(key: string, holder: LockRecord): LockedError {
  return new LockedError(`\`${key}\` is locked by ${describeHolder(holder)}.`, key, holder, {
    hint: 'Add --queue to wait for it, or ask the holder.',
  });
}

function finalStateOf(reason: unknown, aborted: boolean): Exclude<JobState, 'queued' | 'running'> {
  if (!aborted) {
    // Thrown by the handler or by the queue wait itself, without the signal.
    if (reason instanceof CancelledError) return 'cancelled';
    return reason instanceof QueueWaitTimeout ? 'timed_out' : 'failed';
  }
  if (reason instanceof TimeoutError) return 'timed_out';
  if (reason instanceof CancelledError) return 'cancelled';
  if (reason instanceof Interruption) return 'interrupted';
  return 'failed';
}
