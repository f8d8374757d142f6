import { ConflictError, defineCommand, formatTime, type Message } from '#core';

/** Targets are names from config (stores, services): a conservative pattern keeps them plain words. */
export const TARGET = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

export const lock = defineCommand({
  name: 'lock',
  aliases: ['freeze'],
  summary: 'Freeze a target: no job may take it until `unlock`. Without a target, list the locks.',
  examples: ['lock', 'lock store-pl release freeze until Monday'],
  args: {
    target: { type: 'string', positional: 0, pattern: TARGET, patternHint: 'a store or service name', description: 'The store or service to freeze.' },
    reason: { type: 'string', positional: 1, rest: true, maxLength: 300, description: 'Why, shown to anyone who runs into the lock.' },
  },
  permission: ({ target }) => (target === undefined ? 'locks:list' : `locks:set:${target}`),
  sideEffect: ({ target }) => (target === undefined ? 'none' : 'mutates'),
  async run({ target, reason }, ctx): Promise<Message> {
    if (target === undefined) {
      const locks = await ctx.ports.locks.list();
      if (locks.length === 0) return { tone: 'neutral', blocks: [{ kind: 'text', text: 'Nothing is locked.' }] };
      return {
        title: 'Locks',
        tone: 'neutral',
        blocks: [{ kind: 'table', columns: ['target', 'held by', 'why', 'since', 'until'], rows: locks.map((l) => [l.key, l.holder.name, l.jobId === null ? (l.reason ?? 'freeze') : `job #${l.jobId}`, formatTime(l.acquiredAt), l.expiresAt === null ? 'unlock' : formatTime(l.expiresAt)]) }],
      };
    }
    if (ctx.dryRun) return { tone: 'info', blocks: [{ kind: 'text', text: `Would freeze \`${target}\`${reason === undefined ? '' : `: ${reason}`}.` }] };
    const result = await ctx.ports.locks.freeze(target, ctx.principal, ctx.conversation, reason ?? null);
    if (!result.ok) {
      const h = result.holder;
      throw new ConflictError(`\`${target}\` is already locked by ${h.holder.name} (${h.jobId === null ? `freeze: ${h.reason ?? 'no reason given'}` : `job #${h.jobId}`}).`);
    }
    return { tone: 'warning', blocks: [{ kind: 'text', text: `\`${target}\` is frozen${reason === undefined ? '' : `: ${reason}`}. Nothing will deploy or change it until \`unlock ${target}\`.` }] };
  },
});
