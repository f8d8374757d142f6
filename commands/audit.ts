import { defineCommand, formatTime, type Message } from '#core';

export const audit = defineCommand({
  name: 'audit',
  summary: 'Show the most recent audit entries: who did what, where, and how it ended.',
  examples: ['audit', 'audit 50'],
  args: {
    count: { type: 'integer', positional: 0, min: 1, max: 200, default: 20, placeholder: 'n', description: 'How many entries.' },
  },
  permission: () => 'audit:read',
  sideEffect: 'none',
  async run({ count }, ctx): Promise<Message> {
    const entries = await ctx.ports.audit.recent(count);
    if (entries.length === 0) return { tone: 'neutral', blocks: [{ kind: 'text', text: 'The audit log is empty.' }] };
    return {
      title: 'Audit',
      tone: 'neutral',
      blocks: [
        {
          kind: 'table',
          columns: ['when', 'who', 'event', 'command', 'job', 'outcome'],
          rows: entries.map((e) => [
            formatTime(e.at),
            `${e.principal.name} (${e.principal.platform}:${e.principal.id})`,
            e.event,
            e.command === null ? '' : `${e.command}${e.args === null ? '' : ` ${JSON.stringify(e.args)}`}${e.dryRun ? ' (dry run)' : ''}`,
            e.jobId === null ? '' : `#${e.jobId}`,
            e.outcome ?? e.detail ?? '',
          ]),
        },
      ],
    };
  },
});
