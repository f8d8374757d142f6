import { asksForZero, checkBounds, defineCommand, parseScaleChange, runScale, SCALE_CHANGE_HINT, SCALE_CHANGE_PATTERN, scalePermission, usageLine, UsageError, type Message } from '#core';

const NAME = /^[a-z][a-z0-9_-]{0,62}$/;

export const scale = defineCommand({
  name: 'scale',
  summary: 'Change the replica count of a configured service (Compose, Swarm, Kubernetes or an Ansible playbook) and wait until it is ready.',
  description:
    'The change is a factor (x2, x0.5: rounded up to whole replicas), a step (+2, -1) or a count (6). A count outside the environment\'s min and max from the config is refused at once; ' +
    'the result of a factor or step is kept within them (the reply says when it was). A service environment is not scaled again within its cooldown. x0 or 0 asks for confirmation (and needs min 0). Needs scale:<service> (scale:<service>:<env> with --env), and scale:<service>:<env> for the environment used.',
  examples: ['scale web x2', 'scale web x0.5', 'scale web +2 --env prod', 'scale web 6', 'scale web x2 --dry-run'],
  args: {
    service: { type: 'string', positional: 0, required: true, pattern: NAME, patternHint: 'a service name from the config', description: 'The service.' },
    change: { type: 'string', positional: 1, required: true, pattern: SCALE_CHANGE_PATTERN, patternHint: SCALE_CHANGE_HINT, placeholder: 'x2|x0.5|+2|-1|6', description: 'How to change the replica count.' },
    env: { type: 'string', pattern: NAME, patternHint: 'an environment name from the config', description: "The environment (default: the service's defaultEnv)." },
  },
  permission: ({ service, env }) => (env === undefined ? `scale:${service}` : `scale:${service}:${env}`),
  // Without --env the config's defaultEnv is used, and the job checks that environment's permission.
  extraPermissions: ({ service, env }, ports) => [scalePermission(service, ports.scaling.resolve(service, env).env)],
  sideEffect: ({ change }) => {
    const parsed = parseScaleChange(change);
    return parsed !== null && asksForZero(parsed) ? 'destructive' : 'mutates';
  },
  lock: ({ service }) => service,
  // Unknown services and environments, and a count outside the environment's min…max, are refused
  // before a job exists (and before `0` asks for confirmation), with the usage.
  check: ({ service, change, env }, ports) => {
    const target = ports.scaling.resolve(service, env);
    const parsed = parseScaleChange(change);
    if (parsed !== null) checkBounds(target, parsed);
  },
  async run({ service, change, env }, ctx): Promise<Message> {
    const parsed = parseScaleChange(change);
    // The parser already held the word to the same pattern; this only narrows the type.
    if (parsed === null) throw new UsageError(`\`${change}\` is not a valid change (${SCALE_CHANGE_HINT}).`);
    try {
      return await runScale(ctx.ports.scaling, { service, env, change: parsed }, ctx);
    } catch (error: unknown) {
      // Inside a job only the message reaches chat: unknown services and environments carry the usage.
      if (error instanceof UsageError) throw new UsageError(`${error.message}\nUsage: ${usageLine(scale)}`, { hint: `Usage: ${usageLine(scale)}` });
      throw error;
    }
  },
});
