/** `approve <store>` / `reject <store>`: a different person decides a deploy waiting for approval. */
import { ConflictError, DeniedError, NotFoundError } from '../errors.js';
import { principalKey } from '../identity.js';
import type { Message } from '../message.js';
import type { FlowContext } from './context.js';
import type { ApprovalRequest } from './ports.js';
import { requireStore } from './deploy-flow.js';

/**
 * For the command's check, before any job exists: nothing waits on the store, or another deploy than
 * the one named waits, is refused at once (the job checks again when it decides).
 */
export async function checkApproval(storeName: string, jobId: number | undefined, deploy: FlowContext['deploy'], now: Date): Promise<void> {
  await waitingApproval(requireStore({ deploy }, storeName).name, jobId, deploy, now);
}

/**
 * The deploy waiting on `store`. `jobId`, when given, is the deploy the decider read about: if
 * another deploy waits now (the first was cancelled and a different version asked for), it is
 * refused rather than carried over.
 */
async function waitingApproval(store: string, jobId: number | undefined, deploy: FlowContext['deploy'], now: Date): Promise<ApprovalRequest> {
  const pending = await deploy.state.pendingApproval(store, now);
  if (pending === null) throw new NotFoundError(`No deploy of \`${store}\` is waiting for approval${jobId === undefined ? '' : ` (job #${jobId} is not)`}.`);
  if (jobId !== undefined && pending.jobId !== jobId) throw notTheWaitingOne(store, jobId, pending);
  return pending;
}

function notTheWaitingOne(store: string, jobId: number, pending: ApprovalRequest): ConflictError {
  return new ConflictError(`Job #${jobId} is not the deploy waiting on \`${store}\`: job #${pending.jobId} is (${pending.summary}, asked by ${pending.requesterName}). Nothing was decided.`, {
    hint: `Read job #${pending.jobId} first (\`job ${pending.jobId}\`), then decide it by its number.`,
  });
}

export async function decideApproval(storeName: string, decision: 'approved' | 'rejected', ctx: Pick<FlowContext, 'deploy' | 'principal' | 'clock' | 'dryRun'>, jobId?: number): Promise<Message> {
  const spec = requireStore(ctx, storeName);
  const pending = await waitingApproval(spec.name, jobId, ctx.deploy, ctx.clock.now());
  const verb = decision === 'approved' ? 'approve' : 'reject';
  // A second person, not a schedule someone set up: a service principal acts for whoever added it.
  if (ctx.principal.platform === 'schedule') {
    throw new DeniedError(`A schedule cannot ${verb} a deploy; a person must.`, `deploy:approve:${spec.name}`);
  }
  const me = principalKey(ctx.principal);
  if (pending.requester === me) {
    throw new DeniedError(`You asked for this deploy (job #${pending.jobId}); a different person must ${verb} it.`, `deploy:approve:${spec.name}`);
  }
  if (pending.onBehalfOf === me) {
    throw new DeniedError(`You added the schedule that asked for this deploy (job #${pending.jobId}); a different person must ${verb} it.`, `deploy:approve:${spec.name}`);
  }
  if (ctx.dryRun) return { tone: 'info', blocks: [{ kind: 'text', text: `Would ${verb} job #${pending.jobId}: ${pending.summary} (asked by ${pending.requesterName}).` }] };
  const done = await ctx.deploy.state.decideApproval(spec.name, pending.jobId, { decision, by: me, byName: ctx.principal.name, at: ctx.clock.now() });
  if (!done) throw new ConflictError(`Job #${pending.jobId} was decided by someone else a moment ago.`);
  return {
    tone: decision === 'approved' ? 'success' : 'warning',
    blocks: [{ kind: 'text', text: `${decision === 'approved' ? 'Approved' : 'Rejected'} job #${pending.jobId}: ${pending.summary} (asked by ${pending.requesterName}).` }],
  };
}
