/**
 * Mattermost waits a few seconds for an integration's HTTP answer (slash commands, buttons, outgoing
 * webhooks): dispatch, and if the outcome is not ready within the budget, answer "working on it" and
 * deliver the outcome later (a late reply, or the job's live post) once it is.
 */
import type { DispatchOutcome, Dispatcher } from '../../core/dispatch.js';
import { DeadlineWatcher, type Pending } from '../../core/deadlines.js';
import type { Invocation } from '../../core/identity.js';
import type { Logger } from '../../core/log.js';
import type { Audience, Replies } from './replies.js';

export type Settled = { readonly kind: 'done'; readonly outcome: DispatchOutcome } | { readonly kind: 'working' };

export interface BudgetDeps {
  readonly dispatcher: Pick<Dispatcher, 'dispatchNow'>;
  readonly replies: Pick<Replies, 'later' | 'jobStarted'>;
  readonly logger: Logger;
}

const WORKING: Settled = { kind: 'working' };

/**
 * The budgets of all requests in flight, swept together: a timer per request (insert, then remove
 * a microsecond later) was a measurable share of a read-only slash command (see `npm run bench`).
 * Sweeps are a tenth of the budget apart, so "working on it" is never more than 10% late.
 */
const watchers = new Map<number, DeadlineWatcher>();

function watcherFor(budgetMs: number): DeadlineWatcher {
  let watcher = watchers.get(budgetMs);
  if (watcher === undefined) watchers.set(budgetMs, (watcher = new DeadlineWatcher(Date.now, Math.max(10, Math.min(250, Math.floor(budgetMs / 10))))));
  return watcher;
}

/** One request's race between its outcome and its budget. */
class Race implements Pending {
  at = 0;
  private done = false;

  constructor(
    private readonly deps: BudgetDeps,
    private readonly invocation: Invocation,
    private readonly audience: Audience,
    private readonly watcher: DeadlineWatcher,
    private readonly settle: (settled: Settled) => void,
    private readonly reject: (error: unknown) => void,
  ) {}

  outcome(outcome: DispatchOutcome): void {
    if (!this.done) {
      this.done = true;
      this.watcher.unwatch(this);
      this.settle({ kind: 'done', outcome });
      return;
    }
    // Past the budget: the person was told "working on it", so the outcome follows on its own.
    this.deliverLate(outcome).catch((error: unknown) => this.deps.logger.error({ err: error, invocationId: this.invocation.id }, 'mattermost: could not deliver a late answer'));
  }

  /** dispatch answers every failure with an outcome; a rejection is a bug, and fails the request as before. */
  failed(error: unknown): void {
    if (!this.done) {
      this.done = true;
      this.watcher.unwatch(this);
      this.reject(error);
      return;
    }
    this.deps.logger.error({ err: error, invocationId: this.invocation.id }, 'mattermost: dispatch failed after the answer was sent');
  }

  expire(): void {
    if (this.done) return;
    this.done = true;
    this.settle(WORKING);
  }

  private async deliverLate(outcome: DispatchOutcome): Promise<void> {
    if (outcome.kind === 'job') await this.deps.replies.jobStarted(this.audience, outcome.job, outcome.completion);
    else await this.deps.replies.later(this.audience, outcome.reply, this.invocation.id);
  }
}

/** An outcome ready at once comes back as a value: no budget to watch, no promise to race. */
export function dispatchWithinBudget(deps: BudgetDeps, invocation: Invocation, audience: Audience, budgetMs: number): Settled | Promise<Settled> {
  const pending = deps.dispatcher.dispatchNow(invocation);
  if (!(pending instanceof Promise)) return { kind: 'done', outcome: pending };
  const watcher = watcherFor(budgetMs);
  return new Promise<Settled>((resolve, reject) => {
    const race = new Race(deps, invocation, audience, watcher, resolve, reject);
    watcher.watch(race, budgetMs);
    pending.then(
      (outcome) => race.outcome(outcome),
      (error: unknown) => race.failed(error),
    );
  });
}
