/**
 * Second-person approval of a production switch. The deploy job opens an approval in the store and
 * waits (its lock held, its timeout running) until someone else with `deploy:approve:<store>`
 * approves or rejects it with `approve <store>` / `reject <store>`, on any replica.
 */
import { sleep } from '../abort.js';
import { ConflictError, DeniedError, TimeoutError } from '../errors.js';
import { principalKey } from '../identity.js';
import type { FlowContext } from './context.js';
import type { ApprovalDecision } from './ports.js';
import type { StoreSpec } from './types.js';

const DEFAULT_POLL_MS = 1_000;
const DEFAULT_TTL_MS = 30 * 60_000;

export async function waitForApproval(ctx: FlowContext, spec: StoreSpec, summary: string): Promise<ApprovalDecision> {
  if (ctx.jobId === null) throw new ConflictError('An approval needs a job.');
  const now = ctx.clock.now();
  const expiresAt = new Date(now.getTime() + (ctx.approvalTtlMs ?? DEFAULT_TTL_MS));
  await ctx.deploy.state.requestApproval({
    store: spec.name,
    jobId: ctx.jobId,
    requester: principalKey(ctx.principal),
    requesterName: ctx.principal.name,
    onBehalfOf: (await ctx.onBehalfOf?.()) ?? null,
    summary,
    requestedAt: now,
    expiresAt,
  });
  ctx.log(`waiting for approval by someone other than ${ctx.principal.name}: \`approve ${spec.name} ${ctx.jobId}\` or \`reject ${spec.name} ${ctx.jobId}\``);
  for (;;) {
    const decision = await ctx.deploy.state.approvalDecision(ctx.jobId);
    if (decision !== null) {
      ctx.log(`${decision.decision} by ${decision.byName}`);
      if (decision.decision === 'rejected') throw new DeniedError(`${decision.byName} rejected ${summary}; traffic was not switched.`, `deploy:approve:${spec.name}`);
      return decision;
    }
    if (ctx.clock.now().getTime() >= expiresAt.getTime()) throw new TimeoutError(`Nobody approved ${summary} in time; traffic was not switched.`);
    await sleep(ctx.approvalPollMs ?? DEFAULT_POLL_MS, ctx.signal);
  }
}
