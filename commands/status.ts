import { defineCommand, describeStatus, didYouMean, formatTime, serviceStatus, STORE_NAME, UsageError, withServices, type Message, type Ports } from '#core';

type WindowView = ReturnType<Ports['maintenance']['activeWindows']>[number];

/** Maintenance windows in force for what is shown (all of them, or the one store's). */
function withMaintenance(message: Message, windows: readonly WindowView[]): Message {
  if (windows.length === 0) return message;
  const rows = windows.map((w) => [w.target, formatTime(w.endsAt), w.reason ?? '', w.blockDeploys ? 'blocked' : 'allowed']);
  return { ...message, blocks: [...message.blocks, { kind: 'text', text: 'In maintenance now:' }, { kind: 'table', columns: ['target', 'until', 'why', 'deploys'], rows }] };
}

export const status = defineCommand({
  name: 'status',
  summary: 'Show a store (or every store): live colour, versions and health of both colours, lock holder, running jobs. Also services: replicas desired and ready.',
  examples: ['status', 'status store-pl', 'status web'],
  args: {
    store: {
      type: 'string',
      positional: 0,
      pattern: STORE_NAME,
      patternHint: 'a store or service name from the config',
      placeholder: 'store|service',
      description: 'The store or service; without it, every store and service.',
    },
  },
  permission: ({ store }) => (store === undefined ? 'status:list' : `status:read:${store}`),
  sideEffect: 'none',
  async run({ store }, ctx): Promise<Message> {
    // Services from `services:` (replicas desired and ready) are shown too; a name that is a service and no store shows that service.
    const windows = ctx.ports.maintenance.activeWindows(ctx.clock.now()).filter((w) => store === undefined || w.target === store);
    if (store !== undefined && ctx.ports.deploy.stores.get(store) === null) {
      const services = ctx.ports.scaling.services();
      if (services.includes(store)) return withMaintenance(await serviceStatus(ctx.ports.scaling, store, ctx.signal), windows);
      const stores = ctx.ports.deploy.stores.list().map((s) => s.name);
      const known = [...stores, ...services];
      throw new UsageError(
        `There is no store or service \`${store}\` (${known.length === 0 ? 'none is configured' : `stores: ${stores.join(', ') || 'none'}; services: ${services.join(', ') || 'none'}`}).${didYouMean(store, known)}`,
      );
    }
    const stores = await describeStatus(store, { deploy: ctx.ports.deploy, locks: ctx.ports.locks, jobs: ctx.ports.jobs, signal: ctx.signal });
    return withMaintenance(store === undefined ? await withServices(stores, ctx.ports.scaling, ctx.signal) : stores, windows);
  },
});
