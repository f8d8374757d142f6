import { defineCommand, NotFoundError, type Message } from '#core';

export const cancel = defineCommand({
  name: 'cancel',
  summary: 'Cancel a queued or running job: its process tree is stopped and its lock released.',
  description: 'Your own jobs need `jobs:cancel`; someone else\'s also every permission that job needed to start, those the config adds included (a scale\'s environment, a playbook\'s catalog permission, a pipeline\'s own).',
  examples: ['cancel 42'],
  args: {
    id: { type: 'integer', positional: 0, required: true, min: 1, description: 'The job number.' },
  },
  permission: () => 'jobs:cancel',
  // Cancelling changes no target by itself; the cancelled job records the outcome and its audit.
  sideEffect: 'none',
  async run({ id }, ctx): Promise<Message> {
    const result = await ctx.ports.jobs.cancel(id, ctx.principal, ctx.conversation);
    switch (result) {
      case 'not_found':
        throw new NotFoundError(`There is no job #${id}.`);
      case 'already_finished':
        return { tone: 'neutral', blocks: [{ kind: 'text', text: `Job #${id} has already finished.` }] };
      case 'cancelling':
        return { tone: 'warning', blocks: [{ kind: 'text', text: `Cancelling job #${id}…` }] };
    }
  },
});
