import { defineCommand, type Message } from '#core';

export const unsilence = defineCommand({
  name: 'unsilence',
  summary: 'End a silence now (in Alertmanager too).',
  examples: ['unsilence 4b1c7c3e-2f7a-4a8e-9d59-1f3f0b6d2a11'],
  args: {
    id: { type: 'string', positional: 0, required: true, pattern: /^[A-Za-z0-9-]{1,64}$/, patternHint: 'a silence id as shown by `silence`', description: 'The silence id.' },
  },
  permission: () => 'alerts:silence',
  sideEffect: 'mutates',
  // Without an alerts section this is refused at once, not as a job that fails.
  check: (_args, ports) => ports.alerts.requireConfigured(),
  timeout: 60_000,
  async run({ id }, ctx): Promise<Message> {
    if (ctx.dryRun) return { tone: 'info', blocks: [{ kind: 'text', text: `Would end silence ${id}.` }] };
    const ended = await ctx.ports.alerts.unsilence(id, ctx.signal);
    ctx.ref('silence', id);
    const text = 'onlyInAlertmanager' in ended ? `Ended Alertmanager silence ${id} (it was not created from chat).` : `Ended silence ${id}; its alerts post again.`;
    return { tone: 'success', blocks: [{ kind: 'text', text }] };
  },
});
