/**
 * Wiring of crash recovery: this process's identity as a job owner (host, pid, nonce, and the pid
 * namespace that makes its pids comparable), what each kind of interrupted job left behind, and the
 * one extra pass after start-up that reports a predecessor's jobs once their heartbeat has stopped.
 * Kept apart from app.ts so the composition root stays a list of parts.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import type { OpsbotConfig } from './config/types.js';
import type { Clock } from './core/clock.js';
import { trafficAfterInterruption } from './core/deploy/interrupted.js';
import { playbookAfterInterruption } from './core/deploy/playbook-interrupted.js';
import type { PlaybooksPort } from './core/deploy/ports.js';
import { leftBehindByCommand } from './core/jobs/left-behind.js';
import type { OwnerIdentity } from './core/jobs/owner.js';
import { recoverInterruptedJobs, type RecoveryDeps } from './core/jobs/recovery.js';
import type { Logger } from './core/log.js';
import type { Notifier } from './core/notify.js';
import { pipelineAfterInterruption } from './core/pipelines/interrupted.js';
import { scalingAfterInterruption } from './core/scaling/interrupted.js';
import type { JobRecord, Store } from './core/store.js';

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error: unknown) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The boot and pid namespace this process's pid belongs to (Linux: the kernel's boot id and the pid
 * namespace's inode), so that recovery trusts a pid only where pids are comparable; null elsewhere.
 */
export function pidSpace(): string | null {
  try {
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const namespace = /\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/pid'))?.[1];
    return boot === '' || namespace === undefined ? null : `${boot}:${namespace}`;
  } catch {
    return null;
  }
}

/** This process as the owner of the jobs it runs; `instance` is OPSBOT_INSTANCE. */
export function ownerIdentity(instance: string | undefined): OwnerIdentity {
  return { host: instance ?? hostname(), pid: process.pid, nonce: randomBytes(4).toString('hex'), space: pidSpace() };
}

export interface RecoveryWiringDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly notifier: Notifier;
  readonly identity: OwnerIdentity;
  readonly jobs: OpsbotConfig['jobs'];
  /** The playbooks port, once the app has built its ports. */
  readonly playbooks: () => PlaybooksPort;
}

export interface RecoveryWiring {
  /** One pass: the jobs it marked interrupted. */
  recover(): Promise<JobRecord[]>;
  /** No more passes of its own (the app drains). */
  stop(): void;
}

export function wireRecovery(deps: RecoveryWiringDeps): RecoveryWiring {
  const { store, clock, logger, notifier, identity, jobs } = deps;
  const settings: RecoveryDeps = {
    store,
    clock,
    logger,
    notifier,
    me: identity,
    pidAlive,
    staleAfterMs: jobs.lockTtl * 2,
    // Two missed heartbeats, and never longer than the lease: by then the lease is gone anyway.
    quietAfterMs: Math.min(jobs.heartbeat * 2, jobs.lockTtl),
    startedAt: clock.now(),
    reportedDuplicates: new Set<number>(),
    // What each kind of job may have left half done, in its capability's words.
    leftBehind: leftBehindByCommand({
      deploy: (job) => trafficAfterInterruption(job, store.deployState),
      rollback: (job) => trafficAfterInterruption(job, store.deployState),
      pipeline: (job) => Promise.resolve(pipelineAfterInterruption(job)),
      run: (job) => Promise.resolve(playbookAfterInterruption(job, deps.playbooks())),
      scale: (job) => scalingAfterInterruption(job, store.scaling),
    }),
  };
  let recheck: NodeJS.Timeout | 'done' | null = null;
  let stopped = false;
  const recover = async (): Promise<JobRecord[]> => {
    const pass = await recoverInterruptedJobs(settings);
    // A job left by our predecessor may still look fresh in the first seconds after a restart: one
    // more pass once it cannot, so its conversation hears soon, not only at the reaper's next round.
    if (pass.undecided > 0 && recheck === null && !stopped) {
      recheck = setTimeout(() => {
        recheck = 'done';
        recover().catch((error: unknown) => logger.warn({ err: error }, 'job recovery failed'));
      }, settings.quietAfterMs + 1_000);
      recheck.unref();
    }
    return pass.recovered;
  };
  return {
    recover,
    stop() {
      stopped = true;
      if (recheck !== null && recheck !== 'done') clearTimeout(recheck);
    },
  };
}
