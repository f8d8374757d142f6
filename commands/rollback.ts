import { checkStore, defineCommand, runRollback, STORE_NAME, type Message } from '#core';

export const rollback = defineCommand({
  name: 'rollback',
  summary: 'Switch a store back to its previous colour, if that colour is still healthy.',
  description:
    'Checks the previous colour answers healthy (with its version), switches traffic to it and verifies the frontend; a failed verification switches back. ' +
    'Refused when that colour was deployed to after it was last live (its release is gone; that takes a deploy), and after a rollback, when it holds the release rolled back from.',
  examples: ['rollback store-pl', 'rollback demo --dry-run'],
  args: {
    store: { type: 'string', positional: 0, required: true, pattern: STORE_NAME, patternHint: 'a store name from the config', description: 'The store to roll back.' },
  },
  permission: ({ store }) => `rollback:${store}`,
  sideEffect: 'mutates',
  lock: ({ store }) => store,
  timeout: 15 * 60_000,
  // An unknown store is refused at once, with the usage; the job checks again with its own config.
  check: ({ store }, ports) => checkStore(ports.deploy.stores, store),
  run: ({ store }, ctx): Promise<Message> => runRollback(store, { ...ctx, deploy: ctx.ports.deploy }),
});
