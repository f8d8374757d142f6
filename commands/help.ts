import { argumentLines, defineCommand, NotFoundError, type Message } from '#core';

export const help = defineCommand({
  name: 'help',
  aliases: ['commands'],
  summary: 'List the commands you can run here, or explain one.',
  examples: ['help', 'help deploy'],
  args: {
    command: { type: 'string', positional: 0, pattern: /^[a-z][a-z0-9-]*$/, description: 'The command to explain.' },
  },
  permission: () => 'help',
  sideEffect: 'none',
  run({ command }, ctx): Message {
    const { help: registry, access } = ctx.ports;
    if (command !== undefined) {
      const found = registry.find(command);
      if (found === null) throw new NotFoundError(`There is no command \`${command}\`. Type \`help\` to list them.`);
      return {
        title: found.name,
        tone: 'info',
        blocks: [
          { kind: 'text', text: found.description ?? found.summary },
          { kind: 'code', text: registry.usage(found) },
          ...(found.aliases.length > 0 ? [{ kind: 'text' as const, text: `Aliases: ${found.aliases.join(', ')}` }] : []),
          { kind: 'code', text: argumentLines(found).join('\n') || '(no arguments)' },
          { kind: 'text', text: `Examples:\n${found.examples.map((e) => `  ${e}`).join('\n')}` },
        ],
      };
    }
    const allowedHere = access.describe(ctx.principal, ctx.conversation).channelCommands;
    const visible = registry.commands().filter((c) => allowedHere === '*' || allowedHere.includes(c.name));
    return {
      title: 'Commands',
      tone: 'info',
      blocks: [
        { kind: 'table', columns: ['command', 'what it does'], rows: visible.map((c) => [registry.usage(c), c.summary]) },
        { kind: 'text', text: 'Type `help <command>` for details.' },
      ],
    };
  },
});
