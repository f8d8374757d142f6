/**
 * After a crash or restart, jobs that were running are never silently lost: each one whose owner is
 * gone is marked `interrupted` (its lock released in the same transaction) and its conversation is
 * told. Run at start-up and then periodically, so one replica reports another replica's crash.
 *
 * An owner under our name whose pid we cannot judge (see owner.ts: `unsure`) is gone once it has
 * stopped heartbeating: two replicas given one OPSBOT_INSTANCE both look like "this host", and in
 * containers their pids collide, so a pid alone would let each interrupt the other's running jobs
 * and free their locks.
 */
import type { Clock } from '../clock.js';
import { inlineCode } from '../format.js';
import type { Logger } from '../log.js';
import type { Notifier } from '../notify.js';
import type { JobRecord, Store } from '../store.js';
import { judgeOwner, type OwnerIdentity } from './owner.js';

const NEVER_STARTED = 'it never started, so it changed nothing.';

export interface RecoveryDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly notifier: Notifier;
  readonly me: OwnerIdentity;
  readonly pidAlive: (pid: number) => boolean;
  /** A job of another host is dead once its heartbeat is older than this. */
  readonly staleAfterMs: number;
  /** A job under our name whose pid we cannot judge is dead once its heartbeat is older than this (two heartbeats). */
  readonly quietAfterMs: number;
  /** When this process started: a predecessor under our name cannot have heartbeated since. */
  readonly startedAt: Date;
  /** Jobs already reported as another live process's under our name (logged once each). */
  readonly reportedDuplicates: Set<number>;
  /**
   * What the job's interruption leaves behind beyond its step (a deploy: where traffic may be), or
   * null; added to its error and its report. Read before the job is marked, from its capability.
   */
  readonly leftBehind?: (job: JobRecord) => Promise<string | null>;
}

export interface RecoveryPass {
  readonly recovered: JobRecord[];
  /**
   * Jobs under our name whose pid we cannot judge and whose last heartbeat is too recent to call:
   * this process started less than `quietAfterMs` ago, so it may be our predecessor's last heartbeat
   * or another live process's. A pass once `quietAfterMs` has gone by decides them.
   */
  readonly undecided: number;
}

export async function recoverInterruptedJobs(deps: RecoveryDeps): Promise<RecoveryPass> {
  const { store, clock, logger, notifier } = deps;
  const now = clock.now();
  const recovered: JobRecord[] = [];
  let undecided = 0;
  for (const job of await store.jobs.unfinished()) {
    const verdict = judgeOwner(job.owner, deps.me, deps.pidAlive);
    const lastSign = (job.heartbeatAt ?? job.startedAt ?? job.createdAt).getTime();
    const stale = now.getTime() - lastSign > deps.staleAfterMs;
    // A live owner heartbeats every few seconds, so a stale lease means the owner is gone even when
    // its pid is alive (the pid may have been reused by another process).
    if (verdict === 'self' || (verdict === 'alive' && !stale) || (verdict === 'unknown' && !stale)) continue;
    if (verdict === 'unsure' && now.getTime() - lastSign <= deps.quietAfterMs) {
      if (now.getTime() - deps.startedAt.getTime() <= deps.quietAfterMs) undecided += 1;
      else if (!deps.reportedDuplicates.has(job.id)) {
        // It heartbeated after we started: a live process elsewhere runs under our name.
        deps.reportedDuplicates.add(job.id);
        logger.error(
          { jobId: job.id, owner: job.owner, instance: deps.me.host },
          'another live opsbot process uses this instance name; its jobs are left alone. Give each replica its own OPSBOT_INSTANCE',
        );
      }
      continue;
    }

    // A queued job never ran (its handler starts only once it holds its lock): it left nothing behind
    // and held no lock, so its capability's note (what a started run may have done) would be false.
    const queued = job.state === 'queued';
    const note = queued ? null : await leftBehind(deps, job);
    const error = queued
      ? `opsbot stopped while this job was queued for ${inlineCode(job.lockKey ?? '')}: ${NEVER_STARTED} Run it again if it is still wanted.`
      : `opsbot stopped while this job was ${job.state}; it did not finish.${note === null ? '' : ` ${note}`} Check the target before running it again.`;
    const finished = await store.jobs.finish(
      job.id,
      { state: 'interrupted', summary: null, error, output: job.output, refs: job.refs, now },
      {
        at: now,
        event: 'job_finished',
        principal: job.principal,
        conversation: job.conversation,
        command: job.command,
        args: job.args,
        permission: null,
        jobId: job.id,
        outcome: 'interrupted',
        detail: error,
        refs: job.refs,
      },
    );
    // The owner (finishing just in time) or another replica's recovery may have got there first:
    // finish() then changed nothing, and that outcome is theirs to report, not ours.
    if (finished.state !== 'interrupted' || finished.finishedAt?.getTime() !== now.getTime()) continue;
    recovered.push(finished);
    logger.warn({ jobId: job.id, owner: job.owner }, 'marked an orphaned job as interrupted');
    try {
      await notifier.notify(job.conversation, {
        title: `Job #${job.id} was interrupted`,
        tone: 'danger',
        blocks: queued
          ? [
              { kind: 'text', text: `${inlineCode(job.text)} (started by ${job.principal.name}) was still queued for ${inlineCode(job.lockKey ?? '')} when opsbot stopped: ${NEVER_STARTED}` },
              { kind: 'text', text: 'Run it again if it is still wanted.' },
            ]
          : [
              { kind: 'text', text: `${inlineCode(job.text)} (started by ${job.principal.name}) ${job.step === null ? 'did not finish: opsbot stopped' : `was at step "${job.step}" when opsbot stopped`}. Its lock is released.` },
              ...(note === null ? [] : [{ kind: 'text' as const, text: note }]),
              { kind: 'text', text: `Check the target before running it again; \`job ${job.id}\` shows its log.` },
            ],
      });
    } catch (err: unknown) {
      logger.warn({ err, jobId: job.id }, 'could not tell the conversation about an interrupted job');
    }
  }
  return { recovered, undecided };
}

/** The capability's note on an interrupted job; a failure to read it never stops the recovery. */
async function leftBehind(deps: RecoveryDeps, job: JobRecord): Promise<string | null> {
  if (deps.leftBehind === undefined) return null;
  try {
    return await deps.leftBehind(job);
  } catch (err: unknown) {
    deps.logger.warn({ err, jobId: job.id }, 'could not tell what an interrupted job left behind');
    return null;
  }
}
