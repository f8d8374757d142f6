/**
 * Keeps the leases of this process's jobs: renews them every heartbeat, and says which jobs must
 * stop because they are no longer this process's to run. A lease that was not renewed within its
 * TTL is lost whatever the store says later: another opsbot process may have taken the target, and
 * recovery elsewhere may have marked the job `interrupted`. A job that lost its lease and kept going
 * would run next to the one that took over (the review's case: a process paused past its TTL).
 */
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import type { CancelWakeups, JobStore } from '../store.js';
import { lostJobReason, unrenewedLeaseReason } from './texts.js';

export interface LeaseKeeperDeps {
  readonly jobs: Pick<JobStore, 'heartbeat'>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly heartbeatMs: number;
  readonly lockTtlMs: number;
  /** Cancellation asked for on another replica arrives with the heartbeat. */
  readonly onCancelRequested: (jobId: number) => void;
  /** Where the store can say at once that a cancel was asked for: a heartbeat then runs now. */
  readonly wakeups: CancelWakeups | null;
  /** The job is no longer this process's to run: stop it, saying `reason`. Called once per job. */
  readonly onLost: (jobId: number, reason: string) => void;
}

interface Tracked {
  /** When its lease was last known to be ours (epoch ms), or null while it holds none (queued, no lock). */
  leasedAt: number | null;
}

export class LeaseKeeper {
  private readonly tracked = new Map<number, Tracked>();
  private timer: NodeJS.Timeout | null = null;
  private renewing = false;
  /** A wake-up came while a renewal was on its way: one more heartbeat follows it. */
  private wokenMeanwhile = false;
  private unsubscribe: (() => Promise<void>) | null = null;

  constructor(private readonly deps: LeaseKeeperDeps) {}

  /** Keeps `jobId` from now on; `leasedAt` is when it took its lease, null when it holds none. */
  track(jobId: number, leasedAt: Date | null): void {
    this.tracked.set(jobId, { leasedAt: leasedAt?.getTime() ?? null });
    if (this.timer !== null) return;
    this.timer = setInterval(() => void this.tick(), this.deps.heartbeatMs);
    this.timer.unref();
    // Listens from this process's first job until it stops: one connection, not one per job.
    this.unsubscribe ??=
      this.deps.wakeups?.subscribe(
        () => this.wake(),
        (error) => this.deps.logger.warn({ err: error }, 'cancel wake-ups lost their connection; cancels from other replicas wait for the heartbeat meanwhile'),
      ) ?? null;
  }

  /** Another process asked for a cancel: a heartbeat now, which reads whose. */
  private wake(): void {
    if (this.tracked.size === 0) return;
    if (this.renewing) {
      this.wokenMeanwhile = true;
      return;
    }
    void this.tick();
  }

  /** A queued job took its lease at `at`. */
  leaseTaken(jobId: number, at: Date): void {
    const job = this.tracked.get(jobId);
    if (job !== undefined) job.leasedAt = at.getTime();
  }

  forget(jobId: number): void {
    this.tracked.delete(jobId);
  }

  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    const unsubscribe = this.unsubscribe;
    this.unsubscribe = null;
    await unsubscribe?.();
  }

  /** One heartbeat: stops the jobs whose lease ran out, then renews the rest (unless a renewal is still on its way). */
  async tick(): Promise<void> {
    const now = this.deps.clock.now();
    this.dropExpired(now.getTime());
    if (this.renewing || this.tracked.size === 0) return;
    this.renewing = true;
    try {
      await this.renew(now);
    } catch (error: unknown) {
      // Nothing is known: the next tick stops the jobs whose lease runs out meanwhile.
      this.deps.logger.warn({ err: error }, 'job heartbeat failed');
    } finally {
      this.renewing = false;
      if (this.wokenMeanwhile) {
        this.wokenMeanwhile = false;
        void this.tick();
      }
    }
  }

  private async renew(now: Date): Promise<void> {
    const ids = [...this.tracked.keys()];
    const { cancelRequested, lost } = await this.deps.jobs.heartbeat(ids, now, this.deps.lockTtlMs);
    const lostIds = new Set(lost.map((job) => job.jobId));
    for (const id of ids) {
      const job = this.tracked.get(id);
      // The store set the lease to expire `lockTtlMs` after `now`: the same instant our clock counts from.
      if (job?.leasedAt != null && !lostIds.has(id)) job.leasedAt = Math.max(job.leasedAt, now.getTime());
    }
    for (const job of lost) this.lose(job.jobId, lostJobReason(job));
    for (const id of cancelRequested) if (this.tracked.has(id)) this.deps.onCancelRequested(id);
  }

  /** Jobs whose lease was last renewed a whole TTL ago: the store may not have answered, or this process was paused. */
  private dropExpired(nowMs: number): void {
    for (const [id, job] of this.tracked) {
      if (job.leasedAt !== null && nowMs - job.leasedAt >= this.deps.lockTtlMs) this.lose(id, unrenewedLeaseReason(this.deps.lockTtlMs));
    }
  }

  private lose(jobId: number, reason: string): void {
    // Once: a job the store reports lost may already have been dropped for its expired lease.
    if (!this.tracked.delete(jobId)) return;
    this.deps.onLost(jobId, reason);
  }
}
