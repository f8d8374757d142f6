/** What the deploy orchestration needs from a command's context: the job's plumbing and the deploy ports. */
import type { CommandContext } from '../command.js';
import type { LockRecord } from '../store.js';
import type { DeployPorts } from './ports.js';

export type FlowContext = Pick<CommandContext, 'principal' | 'jobId' | 'dryRun' | 'signal' | 'clock' | 'log' | 'progress' | 'ref'> & {
  readonly deploy: DeployPorts;
  /** How often a deploy waiting for approval looks for a decision (default 1 s). */
  readonly approvalPollMs?: number;
  /** How long an approval stays open (default 30 min, bounded by the job's timeout anyway). */
  readonly approvalTtlMs?: number;
  /** For a scheduled deploy, the principalKey of whoever added the schedule (null, or absent: nobody). */
  readonly onBehalfOf?: () => Promise<string | null>;
  /** The maintenance window that blocks deploys of a store now, described, or null (no check when absent). */
  readonly deployBlockedBy?: (store: string, at: Date) => string | null;
  /** The freeze (`lock pipeline.<name>`) on a build pipeline now, or null (no check when absent). */
  readonly buildFrozenBy?: (pipeline: string) => Promise<LockRecord | null>;
};

/** Counts the steps of a flow so progress reads `3/6`. */
export class Steps {
  private done = 0;
  constructor(
    private readonly ctx: Pick<FlowContext, 'progress' | 'log'>,
    private readonly total: number,
  ) {}

  /** Starts the next step. */
  next(step: string): void {
    this.done += 1;
    this.ctx.log(`[${this.done}/${this.total}] ${step}`);
    this.ctx.progress(step, { done: this.done, total: this.total });
  }

  /** Detail within the current step (e.g. the ansible task), without advancing. */
  detail(step: string): void {
    this.ctx.progress(step, { done: this.done, total: this.total });
  }
}
