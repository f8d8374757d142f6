import { ConflictError, defineCommand, didYouMean, formatTime, pipelineLockKey, UsageError, type Message, type Ports } from '#core';

/** Targets are names from config (stores, services): a conservative pattern keeps them plain words. */
export const TARGET = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/**
 * A freeze only protects something when a job takes the same lock key: deploy and rollback lock the
 * store, scale the service, pipeline run and retry `pipeline.<name>` (which a deploy whose store
 * builds with that pipeline also respects, refused while it is frozen). Any other name would be frozen
 * to no effect (a typo freezes nothing and says it did), so it is refused, naming the targets.
 * (`run` locks `playbook:<id>`, which the target pattern does not admit, so playbooks are not among them.)
 */
export function checkLockTarget(target: string, ports: Pick<Ports, 'deploy' | 'scaling' | 'pipelines'>): void {
  const stores = ports.deploy.stores.list().map((s) => s.name);
  const services = ports.scaling.services();
  const pipelines = ports.pipelines.names().map(pipelineLockKey);
  if (stores.includes(target) || services.includes(target) || pipelines.includes(target)) return;
  const kinds = [
    ...(stores.length === 0 ? [] : [`a store (${stores.join(', ')})`]),
    ...(services.length === 0 ? [] : [`a service (${services.join(', ')})`]),
    ...(pipelines.length === 0 ? [] : [`a pipeline (${pipelines.join(', ')})`]),
  ];
  const last = kinds.pop();
  const known = last === undefined ? 'no store, service or pipeline is configured, so there is nothing to freeze' : `freeze ${kinds.length === 0 ? last : `${kinds.join(', ')} or ${last}`}`;
  throw new UsageError(`\`${target}\` is not something a lock protects: ${known}.${didYouMean(target, [...stores, ...services, ...pipelines])}`);
}

export const lock = defineCommand({
  name: 'lock',
  aliases: ['freeze'],
  summary: 'Freeze a target: no job may take it until `unlock`. Without a target, list the locks.',
  examples: ['lock', 'lock store-pl release freeze until Monday'],
  args: {
    target: { type: 'string', positional: 0, pattern: TARGET, patternHint: 'a store or service name', description: 'The store, service or pipeline.<name> to freeze (a name from the config).' },
    reason: { type: 'string', positional: 1, rest: true, maxLength: 300, description: 'Why, shown to anyone who runs into the lock.' },
  },
  permission: ({ target }) => (target === undefined ? 'locks:list' : `locks:set:${target}`),
  sideEffect: ({ target }) => (target === undefined ? 'none' : 'mutates'),
  // An unknown target is refused at once with the usage, before any job or audit of a freeze.
  check: ({ target }, ports) => {
    if (target !== undefined) checkLockTarget(target, ports);
  },
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
    // Again in the job: the replica that runs it may have another config.
    checkLockTarget(target, ctx.ports);
    if (ctx.dryRun) return { tone: 'info', blocks: [{ kind: 'text', text: `Would freeze \`${target}\`${reason === undefined ? '' : `: ${reason}`}.` }] };
    const result = await ctx.ports.locks.freeze(target, ctx.principal, ctx.conversation, reason ?? null);
    if (!result.ok) {
      const h = result.holder;
      throw new ConflictError(`\`${target}\` is already locked by ${h.holder.name} (${h.jobId === null ? `freeze: ${h.reason ?? 'no reason given'}` : `job #${h.jobId}`}).`);
    }
    return { tone: 'warning', blocks: [{ kind: 'text', text: `\`${target}\` is frozen${reason === undefined ? '' : `: ${reason}`}. Nothing will deploy or change it until \`unlock ${target}\`.` }] };
  },
});
