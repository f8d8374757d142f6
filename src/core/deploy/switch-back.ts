/** A failure after the switch moves traffic back to where it was, and says so. */
import { BackendError } from '../errors.js';
import type { FlowContext } from './context.js';
import type { Colour, StoreSpec } from './types.js';

/**
 * A switch runs to its end under its own time bound, never the job's signal: a cancel (or the job's
 * timeout) in the middle of one would leave it half done (HAProxy: the new colour ready, the old one
 * not yet idle, so both take traffic). A cancel during the switch is honoured right after it, by
 * switching back (switchBackAfter), and a cancel after the switch still restores traffic.
 */
const SWITCH_TIMEOUT_MS = 30_000;

/** Moves traffic to `colour`, whatever happens to the job meanwhile (see SWITCH_TIMEOUT_MS). */
function switchWholly(ctx: FlowContext, spec: StoreSpec, colour: Colour): Promise<void> {
  return ctx.deploy.traffic.switchTo(spec.name, colour, AbortSignal.timeout(SWITCH_TIMEOUT_MS));
}

/**
 * A deploy's or rollback's switch: noted as pending before the balancer is touched, so a crash from
 * here to its record leaves it behind for the next one to settle (see trafficNow), then made whole.
 */
export async function switchTraffic(ctx: FlowContext, spec: StoreSpec, move: { readonly from: Colour | null; readonly to: Colour }, rollback: boolean): Promise<void> {
  await ctx.deploy.state.beginSwitch(spec.name, { from: move.from, to: move.to, jobId: ctx.jobId, rollback, at: ctx.clock.now() });
  await switchWholly(ctx, spec, move.to);
}

export async function switchBackAfter(ctx: FlowContext, spec: StoreSpec, move: { readonly from: Colour | null; readonly to: Colour }, check: () => Promise<void>): Promise<void> {
  try {
    // Cancelled while the switch ran: undo it now rather than verify.
    ctx.signal.throwIfAborted();
    await check();
  } catch (error: unknown) {
    const reason = messageOf(error);
    if (move.from === null) {
      throw new BackendError(`${capitalize(reason)}. There is no previous colour to switch back to; ${move.to} stays live.`, 'deploy', { cause: error });
    }
    ctx.log(`switching traffic back to ${move.from}: ${reason}`);
    ctx.progress(`switching traffic back to ${move.from}`);
    try {
      await switchWholly(ctx, spec, move.from);
    } catch (backError: unknown) {
      throw new BackendError(`${capitalize(reason)}. Switching back to ${move.from} FAILED too (${messageOf(backError)}): check ${spec.traffic} now.`, 'traffic', { cause: error });
    }
    ctx.log(`traffic is back on ${move.from}`);
    // Back where the record says: the switch is settled. Had switching back failed, it stays pending,
    // and the next deploy or rollback settles it from what the balancer shows.
    await ctx.deploy.state.clearSwitch(spec.name);
    throw new BackendError(`${capitalize(reason)}. Switched traffic back to ${move.from}; ${move.from} is live again.`, 'deploy', { cause: error });
  }
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message.replace(/\.$/, '') : String(error);
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
