/**
 * `deploy <store> <colour>`: build? → refuse a live target → ansible deploys the version to the
 * target colour → health checks until healthy → (approval) → traffic switch → verification through
 * the public frontend → record → summary. A failure after the switch switches back and says so.
 * Approval guards whatever changes what users are served: the switch, or for a redeploy of the live
 * colour in place (--force), the playbook run.
 */
import { didYouMean } from '../args/suggest.js';
import { BackendError, ConflictError, LockedError, NotFoundError, UsageError } from '../errors.js';
import { describeHolder } from '../jobs/texts.js';
import type { Block, Message } from '../message.js';
import { pipelineLockKey } from '../pipelines/run-ref.js';
import type { LocksPort } from '../ports.js';
import type { LockRecord } from '../store.js';
import { waitForApproval } from './approval.js';
import { Steps, type FlowContext } from './context.js';
import { playbookFailure, runPlaybookStep } from './playbook-step.js';
import type { StoresPort } from './ports.js';
import { recapBlock, refsBlock } from './summary.js';
import { switchBackAfter, switchTraffic } from './switch-back.js';
import { trafficNow } from './traffic-now.js';
import { otherColour, type Colour, type PlaybookResult, type StoreSpec } from './types.js';
import { checkVar } from './vars.js';

export interface DeployRequest {
  readonly store: string;
  readonly colour: Colour | 'auto';
  readonly version: string | undefined;
  readonly force: boolean;
}

export async function runDeploy(request: DeployRequest, ctx: FlowContext): Promise<Message> {
  const { deploy } = ctx;
  const spec = requireStore(ctx, request.store);
  const playbook = deploy.playbooks.get(spec.playbook);
  if (playbook === null) throw new NotFoundError(`Store \`${spec.name}\` names playbook \`${spec.playbook}\`, which is not in the catalog.`);
  const window = ctx.deployBlockedBy?.(spec.name, ctx.clock.now()) ?? null;
  if (window !== null && !ctx.dryRun) throw new ConflictError(`\`${spec.name}\` is in a maintenance window that blocks deploys: ${window}.`, { hint: '`maintenance list` shows it; `rollback` still works.' });

  const { live, state } = await trafficNow(ctx, spec);
  const target: Colour = request.colour === 'auto' ? (live === null ? 'blue' : otherColour(live)) : request.colour;
  const inPlace = target === live;
  if (inPlace && !request.force) {
    throw new ConflictError(`\`${target}\` is live on \`${spec.name}\`: deploy to \`${otherColour(target)}\` instead, or add --force to redeploy the live colour (asks for confirmation).`);
  }

  const steps = new Steps(ctx, stepCount(ctx, spec, inPlace));
  const started = ctx.clock.now().getTime();
  const facts: Record<string, string> = {};
  const note = (name: string, value: string): void => {
    facts[name] = value;
    ctx.ref(name, value);
  };
  const approval = async (summary: string): Promise<void> => {
    steps.next(`waiting for a second person: \`approve ${spec.name}${ctx.jobId === null ? '' : ` ${ctx.jobId}`}\``);
    note('approved_by', (await waitForApproval(ctx, spec, summary)).byName);
  };

  steps.next('syncing playbooks');
  const synced = await deploy.repo.sync(ctx.signal);
  if (synced !== null) note('commit', synced.commit);

  let version = request.version ?? null;
  if (spec.build !== null && !ctx.dryRun) {
    // Looked at again right before the pipeline starts: a queued deploy passed the command's check
    // long ago, and a freeze may have come since.
    const freeze = (await ctx.buildFrozenBy?.(spec.build.pipeline)) ?? null;
    if (freeze !== null) throw buildFreezeRefusal(spec.name, spec.build.pipeline, freeze);
    steps.next(`building with pipeline ${spec.build.pipeline}`);
    const variables = { ...spec.build.variables, ...(version === null ? {} : { VERSION: version }) };
    // The run is noted the moment the server names it: a deploy that times out, is cancelled or dies
    // during the build still says which build it started (it goes on, or was stopped, on the server).
    const noteBuild = (runId: string, url: string | null): void => {
      note('build', runId);
      if (url !== null) note('build_url', url);
    };
    const build = await deploy.build.run(spec.build.pipeline, variables, { signal: ctx.signal, onProgress: (d) => steps.detail(`building: ${d}`), onRun: noteBuild });
    noteBuild(build.runId, build.url);
    if (!build.ok) throw new BackendError(`Build ${build.runId} of pipeline ${spec.build.pipeline} failed: ${build.detail}. Nothing was deployed.`, 'build');
    version ??= build.version;
  }
  // No version and no build: redeploy what is live (the idle colour catches up), else the default.
  version ??= (state?.live === undefined || state.live === null ? null : state.versions[state.live]) ?? spec.defaultVersion;
  if (version === null) throw new UsageError(`Give the version to deploy: \`deploy ${spec.name} ${target} --version <v>\`.`);
  checkVar(playbook, 'version', version);
  note('version', version);

  const what = `${version} → ${spec.name}/${target}`;
  // In place, the playbook itself changes what takes traffic: the second person approves before it runs.
  if (spec.approval.required && inPlace && !ctx.dryRun) await approval(`deploy ${version} in place to ${spec.name}/${target}, which is live`);
  steps.next(`${ctx.dryRun ? 'checking' : 'deploying'} ${what}`);
  // Recorded before the playbook touches the colour: from its first task on, the colour no longer
  // surely holds the release it had, so `rollback` must not switch to it, even when the playbook
  // fails or opsbot dies halfway through it.
  if (!ctx.dryRun) await deploy.state.recordVersion(spec.name, target, version, ctx.clock.now(), ctx.jobId);
  const result: PlaybookResult = await runPlaybookStep(
    ctx,
    { playbook: spec.playbook, limit: spec.limit, connection: spec.connection, check: ctx.dryRun, vars: { ...spec.vars, colour: checkVar(playbook, 'colour', target), version } },
    (task, index) => steps.detail(`${ctx.dryRun ? 'checking' : 'deploying'} ${what}: task ${index} ${task}`),
  );
  if (!result.ok) throw playbookFailure(`${ctx.dryRun ? 'Checking' : 'Deploying'} ${what}`, result);

  if (ctx.dryRun) {
    // A dry run builds nothing, so a freeze of the build pipeline does not stop it; it says so.
    const freeze = spec.build === null ? null : ((await ctx.buildFrozenBy?.(spec.build.pipeline)) ?? null);
    return dryRunReport(spec, target, live, version, result, facts, freeze === null || spec.build === null ? null : `${frozenBuild(spec.name, spec.build.pipeline, freeze)}.`);
  }

  /** The colour answers healthy (retried up to the health timeout), or the deploy stops before any switch. */
  const requireHealthy = async (again: boolean): Promise<void> => {
    const health = await deploy.health.waitHealthy(spec.name, target, {
      version,
      signal: ctx.signal,
      onAttempt: (n, detail) => steps.detail(`health checks on ${spec.name}/${target}${again ? ' again' : ''}: attempt ${n}: ${detail}`),
    });
    if (health.healthy) return;
    const what = again ? 'was approved but is no longer healthy' : 'did not become healthy';
    throw new BackendError(`${spec.name}/${target} ${what} (${health.attempts} attempts, last: ${health.detail}). Traffic was not switched${live === null ? '' : `; ${live} stays live`}.`, 'health');
  };

  steps.next(`health checks on ${spec.name}/${target}`);
  await requireHealthy(false);

  if (spec.approval.required && !inPlace) {
    await approval(`deploy ${version} to ${spec.name}/${target}`);
    // The approval may have taken up to its whole time: the colour that was healthy before it is
    // looked at again, so a colour that died meanwhile is not switched to (and switched back from
    // only after the frontend's verification failed, with users on it all that time).
    steps.detail(`approved; health checks on ${spec.name}/${target} again before the switch`);
    await requireHealthy(true);
  }

  if (!inPlace) {
    steps.next(`switching traffic ${live ?? 'nothing'} → ${target} (${spec.traffic})`);
    await switchTraffic(ctx, spec, { from: live, to: target }, false);
  }

  steps.next(`verifying ${spec.frontend}`);
  await switchBackAfter(ctx, spec, { from: inPlace ? null : live, to: target }, async () => {
    const verified = await deploy.health.verifyFrontend(spec.name, { version, signal: ctx.signal });
    if (!verified.healthy) throw new BackendError(`verification through ${spec.frontend} failed (${verified.attempts} attempts, last: ${verified.detail})`, 'health');
  });

  steps.next('recording');
  // In place, the previous colour is untouched: after a rollback it still holds the release rolled
  // back from, and a later rollback must not switch to it either.
  await deploy.state.recordSwitch(spec.name, target, inPlace ? (state?.previous ?? null) : live, ctx.clock.now(), ctx.jobId, inPlace && (state?.rolledBack ?? false));
  const seconds = Math.max(0, Math.round((ctx.clock.now().getTime() - started) / 1000));
  const blocks: Block[] = [
    {
      kind: 'fields',
      fields: [
        { label: 'store', value: spec.name, short: true },
        { label: 'live', value: inPlace ? `${target} (redeployed in place)` : `${live ?? 'nothing'} → ${target}`, short: true },
        { label: 'version', value: version, short: true },
        { label: 'took', value: `${seconds} s`, short: true },
      ],
    },
    recapBlock(result.recap),
    ...refsBlock(facts),
  ];
  return {
    title: `Deployed ${version} to ${spec.name}/${target}; ${target} is live`,
    tone: 'success',
    blocks,
    actions: inPlace || live === null ? [] : [{ id: 'rollback', label: `Roll back to ${live}`, style: 'danger', command: `rollback ${spec.name}` }],
  };
}

/**
 * Inside a job: the store from the config of the replica that runs it (which may differ from the one
 * that checked the command), else not found.
 */
export function requireStore(ctx: Pick<FlowContext, 'deploy'>, name: string): StoreSpec {
  const spec = ctx.deploy.stores.get(name);
  if (spec === null) throw new NotFoundError(noSuchStore(ctx.deploy.stores, name));
  return spec;
}

/**
 * For a command's check, before any job exists: an unknown store is a usage error (the reply then
 * carries the usage), with the known stores and the nearest name.
 */
export function checkStore(stores: StoresPort, name: string): void {
  if (stores.get(name) === null) throw new UsageError(noSuchStore(stores, name));
}

/**
 * `deploy`'s check, before any job exists: the store (checkStore), and the freeze of its build
 * pipeline. `lock pipeline.<name>` holds every job that starts that pipeline, and a deploy of a store
 * that builds with it starts it too; yet the deploy's one lock is its store, so the freeze is looked
 * up here (and again in the job, right before the build). Only a freeze refuses: a `pipeline run`
 * job holding the pipeline's lock may run beside a deploy's build, as it always could. A dry run
 * builds nothing, so a freeze does not refuse it.
 */
export async function checkDeploy(ports: { readonly deploy: { readonly stores: StoresPort }; readonly locks: Pick<LocksPort, 'get'> }, name: string, dryRun: boolean): Promise<void> {
  checkStore(ports.deploy.stores, name);
  const build = ports.deploy.stores.get(name)?.build ?? null;
  if (build === null || dryRun) return;
  const freeze = await pipelineFreeze(ports.locks, build.pipeline);
  if (freeze !== null) throw buildFreezeRefusal(name, build.pipeline, freeze);
}

/** The freeze (`lock pipeline.<name>`) on a pipeline, or null; a running job's lease on it is not one. */
export async function pipelineFreeze(locks: Pick<LocksPort, 'get'>, pipeline: string): Promise<LockRecord | null> {
  const holder = await locks.get(pipelineLockKey(pipeline));
  return holder !== null && holder.jobId === null ? holder : null;
}

/** Worded as the runner's refusal of a job whose lock is held, then what it means for the deploy. */
function frozenBuild(store: string, pipeline: string, freeze: LockRecord): string {
  return `\`${pipelineLockKey(pipeline)}\` is locked by ${describeHolder(freeze)}, and deploying \`${store}\` builds with pipeline \`${pipeline}\``;
}

function buildFreezeRefusal(store: string, pipeline: string, freeze: LockRecord): LockedError {
  const key = pipelineLockKey(pipeline);
  return new LockedError(
    `${frozenBuild(store, pipeline, freeze)}: nothing was built or deployed. Deploy once \`unlock ${key}\` has lifted the freeze (\`--queue\` does not wait for it).`,
    key,
    freeze,
  );
}

function noSuchStore(stores: StoresPort, name: string): string {
  const known = stores.list().map((s) => s.name);
  return `There is no store \`${name}\`${known.length === 0 ? ' (none is configured)' : ` (stores: ${known.join(', ')})`}.${didYouMean(name, known)}`;
}

function stepCount(ctx: FlowContext, spec: StoreSpec, inPlace: boolean): number {
  if (ctx.dryRun) return 2; // sync, check
  // sync, (build), deploy, health, (approval), (switch), verify, record
  return 6 + (spec.build === null ? 0 : 1) + (spec.approval.required ? 1 : 0) - (inPlace ? 1 : 0);
}

function dryRunReport(spec: StoreSpec, target: Colour, live: Colour | null, version: string, result: PlaybookResult, facts: Record<string, string>, refusedNow: string | null): Message {
  const changes = result.recap.reduce((n, h) => n + h.changed, 0);
  return {
    title: `Dry run: deploy ${version} to ${spec.name}/${target}`,
    tone: 'info',
    blocks: [
      { kind: 'text', text: `ansible --check reports ${changes} change${changes === 1 ? '' : 's'} on ${target}. Then: health checks on ${target}, ${target === live ? 'no switch (already live)' : `switch traffic ${live ?? 'nothing'} → ${target} (${spec.traffic})`}, verify ${spec.frontend}. Nothing was changed.` },
      ...(refusedNow === null ? [] : [{ kind: 'text' as const, text: `A real run would be refused now: ${refusedNow}` }]),
      recapBlock(result.recap),
      ...refsBlock(facts),
    ],
  };
}
