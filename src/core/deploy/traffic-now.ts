/**
 * Where traffic is before a deploy or rollback acts on it. The balancer is the truth; the store
 * records what opsbot last did. A switch a job began and never settled (opsbot died between the
 * switch and its record, or a switch failed halfway) is settled here, under the store's lock, from
 * what the balancer shows: the switch's target live means the switch happened and is recorded as
 * such (a rollback as a rollback, so a second one is still refused); the old colour live means it did
 * not happen, or was undone. When the balancer shows no single live colour (both take traffic, or
 * neither) while the store knows one should, nothing is guessed: the action is refused. No traffic
 * moves here; a dry run settles nothing, it only reads as if settled.
 */
import { ConflictError } from '../errors.js';
import type { FlowContext } from './context.js';
import type { Colour, DeployState, PendingSwitch, StoreSpec } from './types.js';

export interface TrafficNow {
  /** The live colour as the balancer shows it; null only when nothing has ever been live. */
  readonly live: Colour | null;
  /** The store's record, with any pending switch settled. */
  readonly state: DeployState | null;
}

export async function trafficNow(ctx: FlowContext, spec: StoreSpec): Promise<TrafficNow> {
  const [live, recorded] = await Promise.all([ctx.deploy.traffic.live(spec.name, ctx.signal), ctx.deploy.state.get(spec.name)]);
  const pending = recorded?.switching ?? null;
  if (live === null && ((recorded?.live ?? null) !== null || (pending?.from ?? null) !== null)) throw noSingleLive(spec, recorded, pending);
  if (recorded === null || pending === null) return { live, state: recorded };

  if (live === pending.to) {
    ctx.log(`${describePending(pending)} stopped before recording it; ${spec.traffic} has ${live} live, so that is recorded now (the switch was never verified)`);
    if (!ctx.dryRun) await ctx.deploy.state.recordSwitch(spec.name, pending.to, pending.from, pending.at, pending.jobId, pending.rollback);
    return { live, state: { ...recorded, live: pending.to, previous: pending.from, switchedAt: pending.at, rolledBack: pending.rollback, jobId: pending.jobId, switching: null } };
  }
  ctx.log(`${describePending(pending)} did not finish; ${spec.traffic} has ${live ?? 'nothing'} live, as recorded`);
  if (!ctx.dryRun) await ctx.deploy.state.clearSwitch(spec.name);
  return { live, state: { ...recorded, switching: null } };
}

export function describePending(pending: PendingSwitch): string {
  return `${pending.jobId === null ? 'a job' : `job #${pending.jobId}`} switching traffic ${pending.from ?? 'nothing'} → ${pending.to}${pending.rollback ? ' (a rollback)' : ''}`;
}

function noSingleLive(spec: StoreSpec, recorded: DeployState | null, pending: PendingSwitch | null): ConflictError {
  const why = pending !== null ? `${describePending(pending)} did not finish` : `opsbot recorded ${recorded?.live ?? 'nothing'} as live`;
  return new ConflictError(
    `${spec.traffic} shows no single live colour for \`${spec.name}\` (both colours take traffic, or neither), and ${why}. Not guessing which one is live: acting on it could deploy onto, or roll back to, the colour users are served from.`,
    { hint: `Put traffic on one colour by hand (${spec.traffic}), check it with \`status ${spec.name}\`, then run this again.` },
  );
}
