import { checkDeploy, defineCommand, DEPLOY_VERSION, formatTime, personBehind, pipelineFreeze, runDeploy, STORE_NAME, type Message } from '#core';

export const deploy = defineCommand({
  name: 'deploy',
  summary: 'Deploy a version to one colour of a store, check it, switch traffic to it, verify.',
  description:
    'Runs the store\'s catalogued playbook for the colour, waits until the colour answers healthy, switches traffic (HAProxy, nginx or symlink), ' +
    'and verifies the public frontend; a failure after the switch switches back. `auto` picks the idle colour. Refused when the target is live, ' +
    'unless --force (which asks for confirmation). A store with a build pipeline runs it first, and is refused while that pipeline is frozen (`lock pipeline.<name>`). ' +
    '--dry-run runs the playbook with --check --diff, builds nothing and changes nothing.',
  examples: ['deploy store-pl green --version 1.4.2', 'deploy demo blue', 'deploy store-pl auto --version 1.4.3 --dry-run'],
  args: {
    store: { type: 'string', positional: 0, required: true, pattern: STORE_NAME, patternHint: 'a store name from the config', description: 'The store to deploy.' },
    colour: { type: 'string', positional: 1, required: true, enum: ['blue', 'green', 'auto'], description: 'The colour to deploy to; auto picks the idle one.' },
    version: { type: 'string', pattern: DEPLOY_VERSION, patternHint: 'a version such as 1.4.2', description: 'The version to deploy (default: what the build produces, else what is live, else the store\'s default).' },
    force: { type: 'boolean', description: 'Redeploy the live colour in place (asks for confirmation).' },
  },
  permission: ({ store }) => `deploy:${store}`,
  sideEffect: ({ force }) => (force ? 'destructive' : 'mutates'),
  lock: ({ store }) => store,
  timeout: 60 * 60_000,
  // An unknown store is refused at once, with the usage: no job, no lock, no confirmation for --force.
  // So is a deploy whose store builds with a frozen pipeline (`lock pipeline.<name>`), as a conflict.
  check: ({ store }, ports, { dryRun }) => checkDeploy(ports, store, dryRun),
  run: ({ store, colour, version, force }, ctx): Promise<Message> =>
    runDeploy(
      { store, colour, version, force },
      {
        ...ctx,
        deploy: ctx.ports.deploy,
        onBehalfOf: () => personBehind(ctx.principal, ctx.conversation, ctx.ports.schedules),
        deployBlockedBy: (target, at) => {
          const window = ctx.ports.maintenance.deployBlockedBy(target, at);
          return window === null ? null : `${window.reason ?? 'no reason given'}, until ${formatTime(window.endsAt)}`;
        },
        buildFrozenBy: (pipeline) => pipelineFreeze(ctx.ports.locks, pipeline),
      },
    ),
});
