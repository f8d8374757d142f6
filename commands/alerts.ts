import { defineCommand, formatTime, groupTitle, type Message } from '#core';

export const alerts = defineCommand({
  name: 'alerts',
  summary: 'List the active alert groups (firing, or resolved and not yet closed), newest change first.',
  examples: ['alerts', 'alerts --limit 50'],
  args: {
    limit: { type: 'integer', min: 1, max: 200, default: 20, description: 'How many groups to show.' },
  },
  permission: () => 'alerts:list',
  sideEffect: 'none',
  async run({ limit }, ctx): Promise<Message> {
    const groups = await ctx.ports.alerts.active(limit);
    if (groups.length === 0) return { tone: 'success', blocks: [{ kind: 'text', text: 'No active alerts.' }] };
    return {
      title: 'Active alert groups',
      tone: groups.some((g) => g.counts.firing > 0) ? 'warning' : 'neutral',
      blocks: [
        {
          kind: 'table',
          columns: ['#', 'severity', 'group', 'firing', 'resolved', 'repeats', 'acked by', 'top alert'],
          rows: groups.map((g) => [String(g.id), g.top?.severity ?? 'resolved', groupTitle(g.labels), String(g.counts.firing), String(g.counts.resolved), String(g.counts.duplicates), g.ackedBy === null ? '' : `${g.ackedBy.name} ${formatTime(g.ackedAt)}`, g.top?.summary ?? '']),
        },
        { kind: 'text', text: '`ack <#>` records that you are on it; `silence <matchers> <duration>` mutes alerts.' },
      ],
    };
  },
});
