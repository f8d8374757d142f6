import { catalogPermission, checkRun, defineCommand, INVENTORY_HOST, PLAYBOOK_ID, prepareRun, requireCatalogPermission, runCatalogPlaybook, type Message } from '#core';

export const run = defineCommand({
  name: 'run',
  summary: 'Run a catalogued playbook with typed variables.',
  description:
    'Only playbooks in the catalog run, with only the variables it declares (typed and checked), on the hosts of its inventory (`--limit` names one of them). ' +
    '`--check` (or --dry-run) runs ansible with --check --diff. A store\'s deploy playbook and a service\'s scale playbook run only with `--check` (or --dry-run): `deploy` and `scale` run them for real, within their checks and locks.',
  examples: ['run backup', 'run maintenance --limit localhost keep=3', 'run health colour=green --check'],
  args: {
    playbook: { type: 'string', positional: 0, required: true, pattern: PLAYBOOK_ID, patternHint: 'a playbook id from the catalog', description: 'The catalogued playbook.' },
    limit: { type: 'string', pattern: INVENTORY_HOST, patternHint: 'a host of the playbook\'s inventory', description: 'Run on this host of the inventory only.' },
    check: { type: 'boolean', description: 'Report what would change (ansible --check --diff), change nothing.' },
    vars: { type: 'pairs', keyPattern: /^[a-z_][a-z0-9_]{0,63}$/, description: 'Variables as key=value, as declared in the catalog.' },
  },
  permission: ({ playbook }) => `playbooks:run:${playbook}`,
  extraPermissions: ({ playbook }, ports) => [catalogPermission(playbook, ports.deploy)],
  sideEffect: 'mutates',
  lock: ({ playbook }) => `playbook:${playbook}`,
  timeout: 60 * 60_000,
  // An unknown playbook or host, variables the catalog refuses, and a deploy or scale playbook run
  // bare are refused at once with the usage, before any job; the job checks again with its own
  // replica's catalog. --dry-run runs ansible with --check, so it counts as --check.
  check: ({ playbook, limit, check, vars }, ports, { dryRun }) => checkRun({ playbook, limit, check: check || dryRun, vars }, ports),
  async run({ playbook, limit, check, vars }, ctx): Promise<Message> {
    const flow = { ...ctx, deploy: ctx.ports.deploy, scaling: ctx.ports.scaling };
    const prepared = prepareRun({ playbook, limit, check: check || ctx.dryRun, vars }, flow);
    requireCatalogPermission(prepared.spec, ctx.ports.access, ctx);
    return runCatalogPlaybook(prepared, check, flow);
  },
});
