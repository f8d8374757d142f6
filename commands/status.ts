import { defineCommand, describeStatus, serviceStatus, STORE_NAME, withServices, type Message } from '#core';

export const status = defineCommand({
  name: 'status',
  summary: 'Show a store (or every store): live colour, versions and health of both colours, lock holder, running jobs.',
  examples: ['status', 'status store-pl'],
  args: {
    store: { type: 'string', positional: 0, pattern: STORE_NAME, patternHint: 'a store name from the config', description: 'The store; without it, every store.' },
  },
  permission: ({ store }) => (store === undefined ? 'status:list' : `status:read:${store}`),
  sideEffect: 'none',
  async run({ store }, ctx): Promise<Message> {
    // Services from `services:` (replicas desired and ready) are shown too; a name that is a service and no store shows that service.
    if (store !== undefined && ctx.ports.deploy.stores.get(store) === null && ctx.ports.scaling.services().includes(store)) return serviceStatus(ctx.ports.scaling, store, ctx.signal);
    const stores = await describeStatus(store, { deploy: ctx.ports.deploy, locks: ctx.ports.locks, jobs: ctx.ports.jobs, signal: ctx.signal });
    return store === undefined ? withServices(stores, ctx.ports.scaling, ctx.signal) : stores;
  },
});
