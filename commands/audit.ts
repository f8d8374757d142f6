import { canonicalText, defineCommand, didYouMean, formatTime, UsageError, type AnyArgValues, type AuditEntry, type AuditFilter, type HelpPort, type Message, type Principal } from '#core';

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

/** `--command`: a command's name or alias, as the entries record it (the name). */
function commandName(given: string, help: HelpPort): string {
  const command = help.find(given);
  if (command === null) throw new UsageError(`There is no command \`${given}\`.${didYouMean(given, help.commands().map((c) => c.name))}`);
  return command.name;
}

/** `--by`: `me`, or a stable id as `whoami` shows it (`mattermost:8x7k…`); never a display name. */
function principalOf(given: string, me: Principal): { platform: string; id: string } {
  if (given === 'me') return { platform: me.platform, id: me.id };
  const colon = given.indexOf(':');
  if (colon <= 0 || colon === given.length - 1) {
    throw new UsageError(`\`--by ${given}\` is not a person: give \`me\` or a stable id as \`whoami\` shows it (\`<platform>:<id>\`), not a display name.`);
  }
  return { platform: given.slice(0, colon), id: given.slice(colon + 1) };
}

function described(filter: AuditFilter): string {
  const parts = [
    ...(filter.command === undefined ? [] : [`\`${filter.command}\``]),
    ...(filter.principal === undefined ? [] : [`by ${filter.principal.platform}:${filter.principal.id}`]),
    ...(filter.jobId === undefined ? [] : [`of job #${filter.jobId}`]),
  ];
  return parts.join(' ');
}

export const audit = defineCommand({
  name: 'audit',
  summary: 'Show the most recent audit entries: who did what, where, and how it ended; by command, person or job.',
  examples: ['audit', 'audit 50', 'audit --command deploy', 'audit --by me', 'audit --job 42'],
  args: {
    count: { type: 'integer', positional: 0, min: 1, max: 200, default: 20, placeholder: 'n', description: 'How many entries.' },
    command: { type: 'string', pattern: /^[a-z][a-z0-9-]{0,63}$/, description: 'Only entries of this command (its name or an alias).' },
    by: { type: 'string', pattern: /^(?:me|[a-z]+:\S{1,200})$/, description: 'Only entries of this person: `me`, or a stable id as `whoami` shows it.' },
    job: { type: 'integer', min: 1, description: 'Only entries of this job.' },
  },
  permission: () => 'audit:read',
  sideEffect: 'none',
  async run({ count, command, by, job }, ctx): Promise<Message> {
    const filter: AuditFilter = {
      ...(command === undefined ? {} : { command: commandName(command, ctx.ports.help) }),
      ...(by === undefined ? {} : { principal: principalOf(by, ctx.principal) }),
      ...(job === undefined ? {} : { jobId: job }),
    };
    const entries = await ctx.ports.audit.recent(count, filter);
    const what = described(filter);
    if (entries.length === 0) return { tone: 'neutral', blocks: [{ kind: 'text', text: what === '' ? 'The audit log is empty.' : `No audit entries ${what}.` }] };
    return {
      title: what === '' ? 'Audit' : `Audit: ${what}`,
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
