import { canonicalText, defineCommand, formatTime, type AnyArgValues, type AuditEntry, type HelpPort, type Message } from '#core';

/**
 * What was run, as it would be typed again (`lock web maintenance --dry-run`), rebuilt from the typed
 * values. An entry whose command is gone, or whose arguments that command no longer declares, is
 * shown as recorded, so nothing in it is hidden.
 */
function commandText(entry: AuditEntry, help: HelpPort): string {
  if (entry.command === null) return '';
  const command = help.find(entry.command);
  const args = entry.args ?? {};
  if (command !== null && Object.keys(args).every((name) => name in command.args)) return canonicalText(command.name, command.args, args as AnyArgValues, { dryRun: entry.dryRun });
  return `${entry.command}${entry.args === null ? '' : ` ${JSON.stringify(entry.args)}`}${entry.dryRun ? ' (dry run)' : ''}`;
}

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
            commandText(e, ctx.ports.help),
            e.jobId === null ? '' : `#${e.jobId}`,
            e.outcome ?? e.detail ?? '',
          ]),
        },
      ],
    };
  },
});
