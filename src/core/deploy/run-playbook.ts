/**
 * `run <playbook> [--limit host] [--check] key=value…`: only catalogued playbooks, only declared
 * variables of the declared types, only hosts from the inventory's allowlist, and the catalog's
 * permission on top of `playbooks:run:<id>`. A playbook another command runs under its own guards (a
 * store's deploy playbook, a service's scale playbook) runs here only with `--check`.
 */
import { didYouMean } from '../args/suggest.js';
import { DeniedError, NotFoundError, UsageError } from '../errors.js';
import type { Message } from '../message.js';
import { compilePermission } from '../policy/permission.js';
import type { AccessPort } from '../ports.js';
import type { ScalingPort } from '../scaling/ports.js';
import type { Conversation } from '../identity.js';
import { Steps, type FlowContext } from './context.js';
import { playbookFailure, runPlaybookStep } from './playbook-step.js';
import type { DeployPorts, PlaybooksPort } from './ports.js';
import { recapBlock, refsBlock } from './summary.js';
import type { PlaybookSpec, VarValues } from './types.js';
import { validateVars } from './vars.js';

export interface RunRequest {
  readonly playbook: string;
  readonly limit: string | undefined;
  readonly check: boolean;
  readonly vars: Readonly<Record<string, string>>;
}

export interface PreparedPlaybookRun {
  readonly spec: PlaybookSpec;
  readonly limit: string | null;
  readonly vars: VarValues;
}

/** Who else runs catalogued playbooks, and would be bypassed by `run`: the scaling's playbooks. */
export interface RunContext extends Pick<FlowContext, 'deploy'> {
  readonly scaling: Pick<ScalingPort, 'scaledBy'>;
}

/**
 * Everything that can be refused is refused here, before any process starts. The job calls it with
 * the catalog of the replica that runs it; the command's check calls `checkRun` first.
 */
export function prepareRun(request: RunRequest, ctx: RunContext): PreparedPlaybookRun {
  const spec = ctx.deploy.playbooks.get(request.playbook);
  if (spec === null) throw new NotFoundError(notInCatalog(ctx.deploy.playbooks, request.playbook));
  if (!request.check) {
    refuseDeployPlaybook(spec.id, ctx.deploy);
    refuseScalePlaybook(spec.id, ctx.scaling);
  }
  let limit: string | null = null;
  if (request.limit !== undefined) {
    const hosts = ctx.deploy.playbooks.inventory(spec.inventory)?.hosts ?? [];
    if (!hosts.includes(request.limit)) {
      throw new UsageError(`\`${request.limit}\` is not a host of inventory \`${spec.inventory}\` (hosts: ${hosts.join(', ') || 'none'}).`);
    }
    limit = request.limit;
  }
  return { spec, limit, vars: validateVars(spec, request.vars, {}) };
}

/**
 * A store's deploy playbook changes what that store serves. Run by `deploy`, it is the store's lock,
 * a maintenance window's block, the live-colour rule, health checks, the approval and the recorded
 * versions; run bare, it would be none of them. So `run` takes it only with `--check`.
 */
function refuseDeployPlaybook(playbook: string, deploy: Pick<DeployPorts, 'stores'>): void {
  const stores = deploy.stores.list().filter((s) => s.playbook === playbook).map((s) => s.name);
  if (stores.length === 0) return;
  const [first] = stores;
  throw new UsageError(
    `\`${playbook}\` is the deploy playbook of ${stores.map((s) => `\`${s}\``).join(', ')}: run bare, it would skip the store's lock, health checks, approval and maintenance windows. ` +
      `Deploy with \`deploy ${first ?? '<store>'} <blue|green>\`, or see what it would change with \`run ${playbook} --check\`.`,
  );
}

/**
 * A service environment's scale playbook (`services.<name>.environments.<env>.ansible.playbook`)
 * changes its replica count. Run by `scale`, it is held to the environment's min and max, its
 * cooldown, `scale:<service>:<env>` and the service's lock, and the count it sets is recorded; run
 * bare, it would be none of them. So `run` takes it only with `--check`, as a deploy playbook. (A
 * separate `statusPlaybook` only reads the counts, and stays runnable.)
 */
function refuseScalePlaybook(playbook: string, scaling: Pick<ScalingPort, 'scaledBy'>): void {
  const uses = scaling.scaledBy(playbook);
  const [first] = uses;
  if (first === undefined) return;
  throw new UsageError(
    `\`${playbook}\` is the scale playbook of ${uses.map((u) => `\`${u.service}\` (${u.env})`).join(', ')}: run bare, it would skip the scale command's bounds (min and max), cooldown, the environment's permission and the service's lock. ` +
      `Scale with \`scale ${first.service} <change> --env ${first.env}\`, or see what it would change with \`run ${playbook} --check\`.`,
  );
}

/**
 * For the command's check, before any job exists: the same refusals as prepareRun (unknown playbook,
 * host or variable, a value of the wrong type, a deploy or scale playbook without --check), an
 * unknown playbook as a usage error so the reply carries the usage. The catalog's own permission
 * needs the person, so the job checks that.
 */
export function checkRun(request: RunRequest, ports: { readonly deploy: DeployPorts; readonly scaling: Pick<ScalingPort, 'scaledBy'> }): void {
  if (ports.deploy.playbooks.get(request.playbook) === null) throw new UsageError(notInCatalog(ports.deploy.playbooks, request.playbook));
  prepareRun(request, { deploy: ports.deploy, scaling: ports.scaling });
}

function notInCatalog(playbooks: PlaybooksPort, id: string): string {
  const known = playbooks.catalog().map((p) => p.id);
  return `\`${id}\` is not in the playbook catalog (playbooks: ${known.join(', ') || 'none'}).${didYouMean(id, known)}`;
}

/** The catalog's own permission for a playbook (besides `playbooks:run:<id>`); NotFoundError when it is not catalogued. */
export function catalogPermission(playbook: string, deploy: Pick<DeployPorts, 'playbooks'>): string {
  const spec = deploy.playbooks.get(playbook);
  if (spec === null) throw new NotFoundError(notInCatalog(deploy.playbooks, playbook));
  return spec.permission;
}

export function requireCatalogPermission(spec: PlaybookSpec, access: AccessPort, ctx: Pick<FlowContext, 'principal'> & { readonly conversation: Conversation }): void {
  const allowed = access.describe(ctx.principal, ctx.conversation).allow.map(compilePermission);
  if (!allowed.some((matches) => matches(spec.permission))) {
    throw new DeniedError(`Playbook \`${spec.id}\` needs the permission \`${spec.permission}\`, and none of your roles grants it.`, spec.permission);
  }
}

export async function runCatalogPlaybook(prepared: PreparedPlaybookRun, check: boolean, ctx: FlowContext): Promise<Message> {
  const { spec, limit, vars } = prepared;
  const dry = check || ctx.dryRun;
  const steps = new Steps(ctx, 2);
  const facts: Record<string, string> = {};
  steps.next('syncing playbooks');
  const synced = await ctx.deploy.repo.sync(ctx.signal);
  if (synced !== null) {
    facts.commit = synced.commit;
    ctx.ref('commit', synced.commit);
  }
  const what = `${spec.id}${limit === null ? '' : ` on ${limit}`}${dry ? ' (check)' : ''}`;
  steps.next(`running ${what}`);
  const result = await runPlaybookStep(ctx, { playbook: spec.id, limit, vars, check: dry, connection: null }, (task, index) => steps.detail(`running ${what}: task ${index} ${task}`));
  if (!result.ok) throw playbookFailure(`Playbook ${what}`, result);
  const changed = result.recap.reduce((n, h) => n + h.changed, 0);
  return {
    title: `Playbook ${what}: ${dry ? `${changed} change${changed === 1 ? '' : 's'} would be made` : `ok, ${changed} changed`}`,
    tone: dry ? 'info' : 'success',
    blocks: [recapBlock(result.recap), ...refsBlock(facts)],
  };
}
