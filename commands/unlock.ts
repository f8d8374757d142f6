import { defineCommand, NotFoundError, type Message } from '#core';
import { TARGET } from './lock.js';

export const unlock = defineCommand({
  name: 'unlock',
  aliases: ['unfreeze'],
  summary: 'Lift a freeze set with `lock` (asks for confirmation). Running jobs keep their own locks.',
  examples: ['unlock store-pl'],
  args: {
    target: { type: 'string', positional: 0, required: true, pattern: TARGET, patternHint: 'a store or service name', description: 'The frozen store, service or pipeline.<name> (see `lock`).' },
  },
  permission: ({ target }) => `locks:release:${target}`,
  // Lifting a freeze lets deploys through again: make the person say so twice.
  sideEffect: 'destructive',
  // Nothing to lift is said at once, before a confirmation code is asked for. Any frozen key may be
  // lifted, configured or not (a freeze may outlive its store in the config). The other locks are not
  // named: seeing them takes locks:list, which this permission does not imply.
  async check({ target }, ports) {
    const held = (await ports.locks.list()).find((l) => l.key === target);
    if (held === undefined) throw new NotFoundError(`\`${target}\` is not frozen.`, { hint: '`lock` lists the locks.' });
    if (held.jobId !== null) throw new NotFoundError(`\`${target}\` is not frozen: a running job holds it, and a job's lock ends with the job (use \`cancel\`).`);
  },
  async run({ target }, ctx): Promise<Message> {
    if (ctx.dryRun) return { tone: 'info', blocks: [{ kind: 'text', text: `Would lift the freeze on \`${target}\`.` }] };
    // The freeze may have been lifted, or taken over by a job, since the check.
    const released = await ctx.ports.locks.release(target, ctx.principal, ctx.conversation);
    if (released === null) throw new NotFoundError(`\`${target}\` is not frozen (a running job's lock ends with the job; use \`cancel\`).`);
    return { tone: 'success', blocks: [{ kind: 'text', text: `\`${target}\` is unfrozen (it was frozen by ${released.holder.name}${released.reason === null ? '' : `: ${released.reason}`}).` }] };
  },
});
