/**
 * `rollback <store>`: traffic back to the previous colour, if it still answers healthy with the
 * version it had. The same verification and automatic switch-back as a deploy.
 */
import { BackendError, ConflictError } from '../errors.js';
import type { Message } from '../message.js';
import { Steps, type FlowContext } from './context.js';
import { requireStore } from './deploy-flow.js';
import { switchBackAfter, switchTraffic } from './switch-back.js';
import { trafficNow } from './traffic-now.js';
import { otherColour, type Colour, type DeployState } from './types.js';

export async function runRollback(storeName: string, ctx: FlowContext): Promise<Message> {
  const { deploy } = ctx;
  const spec = requireStore(ctx, storeName);
  const { live, state } = await trafficNow(ctx, spec);
  if (live === null) throw new ConflictError(`Nothing is live on \`${spec.name}\` yet, so there is nothing to roll back.`);
  const target: Colour = state !== null && state.live === live && state.previous !== null ? state.previous : otherColour(live);
  const version = state?.versions[target] ?? null;
  if (state !== null && state.previous === null && state.live === live) {
    throw new ConflictError(`\`${spec.name}\` has no previous colour to go back to (only ${live} has ever been live).`);
  }
  if (state !== null && state.live === live) refuseRollingForward(spec.name, target, state);
  refuseUnreleased(spec.name, target, state);

  const steps = new Steps(ctx, ctx.dryRun ? 1 : 4);
  steps.next(`health checks on ${spec.name}/${target}`);
  const health = await deploy.health.waitHealthy(spec.name, target, {
    version,
    signal: ctx.signal,
    onAttempt: (n, detail) => steps.detail(`health checks on ${spec.name}/${target}: attempt ${n}: ${detail}`),
  });
  if (!health.healthy) {
    throw new BackendError(`${spec.name}/${target} is not healthy (${health.detail}); not switching. ${live} stays live.`, 'health');
  }
  const versionText = version === null ? '' : ` (${version})`;
  if (ctx.dryRun) {
    return {
      title: `Dry run: roll back ${spec.name} to ${target}`,
      tone: 'info',
      blocks: [{ kind: 'text', text: `${target}${versionText} answers healthy. Would switch traffic ${live} → ${target} (${spec.traffic}) and verify ${spec.frontend}. Nothing was changed.` }],
    };
  }

  steps.next(`switching traffic ${live} → ${target} (${spec.traffic})`);
  await switchTraffic(ctx, spec, { from: live, to: target }, true);
  steps.next(`verifying ${spec.frontend}`);
  await switchBackAfter(ctx, spec, { from: live, to: target }, async () => {
    const verified = await deploy.health.verifyFrontend(spec.name, { version, signal: ctx.signal });
    if (!verified.healthy) throw new BackendError(`verification through ${spec.frontend} failed (${verified.attempts} attempts, last: ${verified.detail})`, 'health');
  });
  steps.next('recording');
  await deploy.state.recordSwitch(spec.name, target, live, ctx.clock.now(), ctx.jobId, true);
  return {
    title: `Rolled back ${spec.name} to ${target}${versionText}; ${target} is live`,
    tone: 'success',
    blocks: [{ kind: 'fields', fields: [{ label: 'store', value: spec.name, short: true }, { label: 'live', value: `${live} → ${target}`, short: true }] }],
  };
}

/**
 * After a rollback, the previous colour holds the release that was rolled back from. A second
 * `rollback` (a second click on the button, two people at once) would put it live again, so it is
 * refused; going forward again is a deliberate deploy, with its checks and approval.
 */
function refuseRollingForward(store: string, target: Colour, state: DeployState): void {
  if (!state.rolledBack) return;
  const version = state.versions[target];
  const live = state.live ?? otherColour(target);
  const liveVersion = state.versions[live];
  throw new ConflictError(
    `\`${store}\` is already rolled back: ${live}${liveVersion === null ? '' : ` (${liveVersion})`} is live${state.jobId === null ? '' : ` since job #${state.jobId}`}. Rolling back again would put ${target}${version === null ? '' : ` (${version})`}, the release rolled back from, live again. Not switching.`,
    { hint: `To put ${version ?? 'it'} live again, deploy it: \`deploy ${store} ${target}${version === null ? '' : ` --version ${version}`}\`.` },
  );
}

/**
 * Rollback goes back to the release that was live before; a colour deployed to after traffic left it
 * no longer holds that release. Its version never served users: a deploy that failed its health
 * checks, was rejected or timed out waiting for approval, or is still waiting. Switching to it would
 * put an unchecked, unapproved version live, so that takes a deploy.
 */
function refuseUnreleased(store: string, target: Colour, state: DeployState | null): void {
  const deployedAt = state?.deployedAt[target] ?? null;
  if (state === null || deployedAt === null) return;
  // switchedAt is when traffic last moved, away from the colour rollback goes back to.
  const leftAt = state.switchedAt;
  if (leftAt !== null && deployedAt.getTime() <= leftAt.getTime()) return;
  const version = state.versions[target];
  throw new ConflictError(
    `\`${target}\` on \`${store}\` was deployed to (${version ?? 'unknown version'}) after it was last live: the release it had is gone, and ${version ?? 'what it has now'} has never been live. Not switching.`,
    { hint: `To put ${version ?? 'it'} live, deploy it: \`deploy ${store} ${target}${version === null ? '' : ` --version ${version}`}\`.` },
  );
}
