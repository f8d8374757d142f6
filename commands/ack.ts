import { defineCommand, groupTitle, type Message } from '#core';

export const ack = defineCommand({
  name: 'ack',
  summary: 'Acknowledge an alert group: its post shows who is on it.',
  examples: ['ack 12'],
  args: {
    group: { type: 'integer', positional: 0, required: true, min: 1, placeholder: '#', description: 'The group number, as shown by `alerts` and in the alert post.' },
  },
  permission: () => 'alerts:ack',
  sideEffect: 'mutates',
  // Without an alerts section this is refused at once, not as a job that fails.
  check: (_args, ports) => ports.alerts.requireConfigured(),
  timeout: 30_000,
  async run({ group }, ctx): Promise<Message> {
    if (ctx.dryRun) return { tone: 'info', blocks: [{ kind: 'text', text: `Would acknowledge alert group #${group}.` }] };
    const acked = await ctx.ports.alerts.ack(group, ctx.principal);
    ctx.ref('alert_group', String(acked.id));
    return { tone: 'success', blocks: [{ kind: 'text', text: `Alert group #${acked.id} (${groupTitle(acked.labels)}) acknowledged by ${ctx.principal.name}.` }] };
  },
});
