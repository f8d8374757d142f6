/**
 * Mattermost waits a few seconds for an integration's HTTP answer (slash commands, buttons, outgoing
 * webhooks): dispatch, and if the outcome is not ready within the budget, answer "working on it" and
 * deliver the outcome later (a late reply, or the job's live post) once it is.
 */
import type { DispatchOutcome, Dispatcher } from '../../core/dispatch.js';
import type { Invocation } from '../../core/identity.js';
import type { Logger } from '../../core/log.js';
import type { Audience, Replies } from './replies.js';

export type Settled = { readonly kind: 'done'; readonly outcome: DispatchOutcome } | { readonly kind: 'working' };

export interface BudgetDeps {
  readonly dispatcher: Pick<Dispatcher, 'dispatch'>;
  readonly replies: Pick<Replies, 'later' | 'jobStarted'>;
  readonly logger: Logger;
}

export async function dispatchWithinBudget(deps: BudgetDeps, invocation: Invocation, audience: Audience, budgetMs: number): Promise<Settled> {
  const pending = deps.dispatcher.dispatch(invocation);
  let timer: NodeJS.Timeout | undefined;
  const budget = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), budgetMs);
  });
  const first = await Promise.race([pending, budget]);
  clearTimeout(timer);
  if (first !== 'late') return { kind: 'done', outcome: first };
  pending
    .then(async (outcome) => {
      if (outcome.kind === 'job') await deps.replies.jobStarted(audience, outcome.job, outcome.completion);
      else await deps.replies.later(audience, outcome.reply, invocation.id);
    })
    .catch((error: unknown) => deps.logger.error({ err: error, invocationId: invocation.id }, 'mattermost: could not deliver a late answer'));
  return { kind: 'working' };
}
