/**
 * `/scale` as a job: resolve the service environment → its permission → the cooldown → read the
 * current count → plan (round, clamp) → scale → wait until the new count is ready (or report that it
 * did not converge). A dry run stops before anything is contacted.
 */
import type { CommandContext } from '../command.js';
import { formatDuration } from '../args/duration.js';
import { BackendError, ConflictError, UsageError } from '../errors.js';
import type { Field, Message } from '../message.js';
import { pause } from '../pipelines/pause.js';
import { asksForZero, describeChange, movesAgainst, namedCount, planScale, type ScaleChange } from './change.js';
import type { ReplicaCount, ScaleTarget, ScalingPort } from './ports.js';
import { unconfirmed } from './unconfirmed.js';

export interface ScaleRequest {
  readonly service: string;
  readonly env: string | undefined;
  readonly change: ScaleChange;
}

/**
 * A count named outright (`scale web 0`, `scale web 20`, `x0`) outside the environment's min…max is
 * refused, naming the bounds: the person said exactly what they want, and quietly running another
 * count instead would surprise them (and `0` would ask for a confirmation that then scales to min).
 * Factors and steps depend on the current count, which only the job reads: those are clamped.
 */
export function checkBounds(target: ScaleTarget, change: ScaleChange): void {
  const count = namedCount(change);
  if (count === null || (count >= target.min && count <= target.max)) return;
  const where = `\`${target.service}\` (${target.env})`;
  const side = count < target.min ? `below its minimum of ${target.min}` : `above its maximum of ${target.max}`;
  throw new UsageError(`${where} is kept within ${target.min}…${target.max} replicas (min and max in the config): ${count} is ${side}.`);
}

export async function runScale(port: ScalingPort, request: ScaleRequest, ctx: CommandContext): Promise<Message> {
  const target = port.resolve(request.service, request.env);
  port.authorize(target, ctx.principal, ctx.conversation);
  checkBounds(target, request.change);
  const where = `\`${target.service}\` (${target.env})`;

  const last = await port.lastScaling(target);
  const sinceLast = last === null ? null : ctx.clock.now().getTime() - last.at.getTime();
  const coolingDown = last !== null && sinceLast !== null && sinceLast < target.cooldownMs;
  const cooldownText = (): string =>
    last === null || sinceLast === null
      ? ''
      : `${where} was ${last.pending === true ? 'being ' : ''}scaled ${last.from} → ${last.to} by ${last.by} ${formatDuration(Math.max(Math.floor(sinceLast / 1000), 0) * 1000)} ago${last.pending === true ? ` (${unconfirmed(last)})` : ''}; the cooldown is ${formatDuration(target.cooldownMs)}, so try again in ${formatDuration(Math.ceil((target.cooldownMs - sinceLast) / 1000) * 1000)}.`;

  if (ctx.dryRun) {
    const blocks: Message['blocks'] = [
      { kind: 'text', text: `Would scale ${where} on ${target.target}: ${describeChange(request.change)}, kept within ${target.min}…${target.max}, then wait up to ${formatDuration(target.readyTimeoutMs)} for the replicas to be ready. Nothing was contacted.` },
      ...(coolingDown ? [{ kind: 'text' as const, text: `A real run would be refused now: ${cooldownText()}` }] : []),
    ];
    return { title: `Dry run: scale ${target.service} ${request.change.text}`, tone: 'info', blocks };
  }
  if (coolingDown) throw new ConflictError(cooldownText());

  ctx.progress(`reading ${target.service} (${target.env})`);
  const before = await port.read(target, ctx.signal);
  const plan = planScale(before.desired, request.change, target);
  for (const note of plan.notes) ctx.log(note);
  ctx.ref('service', `${target.service}@${target.env}`);
  ctx.ref('before', String(before.desired));
  // Before the refusals below: a count that stays where it is (0 included) is not a change to refuse.
  if (plan.to === before.desired) {
    return reply(target, `${where} already has ${plan.to} replica${plan.to === 1 ? '' : 's'}; nothing to change.`, 'info', before, before, plan.notes);
  }
  const envFlag = request.env === undefined ? '' : ` --env ${target.env}`;
  if (movesAgainst(request.change, plan)) {
    const side = before.desired > target.max ? `above its maximum of ${target.max}` : `below its minimum of ${target.min}`;
    throw new ConflictError(
      `${where} has ${before.desired} replicas, ${side} (min and max in the config): ${request.change.text} would set ${plan.to}, ${plan.to < before.desired ? 'fewer' : 'more'} than it has. Say \`scale ${target.service} ${plan.to}${envFlag}\` to bring it within its bounds.`,
    );
  }
  if (plan.to === 0 && !asksForZero(request.change)) {
    throw new UsageError(`That would scale ${where} to 0. Say \`scale ${target.service} 0${envFlag}\` to do that (it asks for confirmation).`);
  }

  ctx.progress(`scaling ${target.service} ${before.desired} → ${plan.to}`);
  ctx.log(`${target.target}: ${before.desired} → ${plan.to}`);
  // Noted before the orchestrator is told, as a deploy notes its traffic switch: if opsbot dies before
  // the answer, the scaling that may have happened is what the cooldown counts, `status` shows as
  // unconfirmed and recovery reports, instead of no trace (and a next `scale` with no cooldown).
  const { jobId } = ctx;
  // `scale` changes the world, so it always runs as a job: its record is keyed by that job.
  if (jobId === null) throw new ConflictError('A scaling needs a job.');
  await port.record({ service: target.service, env: target.env, at: ctx.clock.now(), from: before.desired, to: plan.to, jobId, by: ctx.principal.name, pending: true });
  try {
    await port.scale(target, plan.to, before.desired, ctx.signal);
  } catch (error: unknown) {
    await settleRefused(port, target, jobId, before.desired, error, ctx);
    throw error;
  }
  // Confirmed as soon as the orchestrator took the change, converged or not: the cooldown protects it.
  await port.settle(jobId, true);
  ctx.ref('after', String(plan.to));

  const after = await waitReady(port, target, plan.to, ctx);
  return reply(target, `${where} scaled ${before.desired} → ${plan.to}; ${after.ready}/${plan.to} ready.`, 'success', before, after, plan.notes);
}

/**
 * The orchestrator refused or failed: whether the change happened anyway is read, not guessed. The
 * count still where it was: no scaling (and no cooldown). Anything else, or no answer: it stays
 * unconfirmed, and the cooldown counts it. A job cancelled (or timed out) halfway reads nothing, since
 * it has ended: its scaling stays unconfirmed too.
 *
 * A conflict is the exception: the orchestrator refused before changing anything, because someone
 * else (an autoscaler, a person) changed the count meanwhile (Orchestrator.scale). The count it shows
 * now is theirs, not this scaling's, so reading it would keep a scaling that never happened, and its
 * cooldown would refuse the very retry the refusal suggests.
 */
async function settleRefused(port: ScalingPort, target: ScaleTarget, jobId: number, before: number, refusal: unknown, ctx: CommandContext): Promise<void> {
  if (refusal instanceof ConflictError) {
    await port.settle(jobId, false);
    return;
  }
  if (ctx.signal.aborted) return;
  try {
    // Bounded by the job's own timeout, as every read of the job is: an orchestrator read through a
    // playbook may take a while, and a shorter bound would only leave the question open.
    const now = await port.read(target, ctx.signal);
    if (now.desired === before) await port.settle(jobId, false);
    else ctx.log(`${target.target} shows ${now.desired} desired after the failed change: kept as an unconfirmed scaling, which the cooldown counts.`);
  } catch (error: unknown) {
    ctx.log(`Could not read ${target.target} after the failed change (${error instanceof Error ? error.message : String(error)}): kept as an unconfirmed scaling, which the cooldown counts.`);
  }
}

async function waitReady(port: ScalingPort, target: ScaleTarget, wanted: number, ctx: CommandContext): Promise<ReplicaCount> {
  const started = Date.now();
  for (;;) {
    const now = await port.read(target, ctx.signal);
    ctx.progress(`waiting for ${target.service}: ${now.ready}/${wanted} ready`, { done: Math.min(now.ready, wanted), total: wanted });
    if (now.desired === wanted && now.ready === wanted) return now;
    const waited = Date.now() - started;
    if (waited >= target.readyTimeoutMs && now.desired !== wanted) {
      // The orchestrator no longer runs toward opsbot's count: saying it "keeps trying" would be
      // false. Kubernetes' HPA, for one, puts its own count back within seconds.
      throw new ConflictError(
        `\`${target.service}\` (${target.env}) did not converge: something else set ${now.desired} replicas after opsbot set ${wanted} (an autoscaler such as a HorizontalPodAutoscaler, or a person); ${now.ready} ready after ${formatDuration(waited)}. Check ${target.target} before scaling it again.`,
      );
    }
    if (waited >= target.readyTimeoutMs) {
      throw new BackendError(
        `\`${target.service}\` (${target.env}) did not converge: ${now.ready} of ${wanted} replicas ready (desired ${now.desired}) after ${formatDuration(waited)}. The orchestrator keeps trying; check ${target.target}.`,
        target.kind,
      );
    }
    await pause(Math.min(target.pollIntervalMs, target.readyTimeoutMs - waited), ctx.signal);
  }
}

function reply(target: ScaleTarget, text: string, tone: Message['tone'], before: ReplicaCount, after: ReplicaCount, notes: readonly string[]): Message {
  const fields: Field[] = [
    { label: 'Service', value: `${target.service} (${target.env})`, short: true },
    { label: 'Replicas', value: `${before.desired} → ${after.desired}`, short: true },
    { label: 'Ready', value: `${after.ready}/${after.desired}`, short: true },
    { label: 'Bounds', value: `${target.min}…${target.max}`, short: true },
    { label: 'Where', value: target.target },
  ];
  return {
    title: `${target.service} ${before.desired} → ${after.desired}`,
    tone,
    blocks: [{ kind: 'text', text }, { kind: 'fields', fields }, ...notes.map((n) => ({ kind: 'text' as const, text: n }))],
  };
}
