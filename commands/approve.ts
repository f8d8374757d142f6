import { checkApproval, checkStore, decideApproval, defineCommand, STORE_NAME, type Message } from '#core';

const storeArg = { type: 'string', positional: 0, required: true, pattern: STORE_NAME, patternHint: 'a store name from the config', description: 'The store whose deploy waits for approval.' } as const;
/** The job the prompt named: the decision then holds for that deploy only, not one started since. */
const jobArg = { type: 'integer', positional: 1, min: 1, placeholder: 'job', description: 'The job number of the deploy, as its prompt shows it: refused if another deploy waits now.' } as const;

export const approve = defineCommand({
  name: 'approve',
  summary: 'Approve the deploy waiting for a second person on a store (not your own).',
  examples: ['approve store-pl 42', 'approve store-pl'],
  args: { store: storeArg, job: jobArg },
  permission: ({ store }) => `deploy:approve:${store}`,
  sideEffect: 'mutates',
  // An unknown store, no deploy waiting, or another one than the job named, is refused at once; the
  // job checks again when it decides.
  check: async ({ store, job }, ports) => {
    checkStore(ports.deploy.stores, store);
    await checkApproval(store, job, ports.deploy, new Date());
  },
  run: ({ store, job }, ctx): Promise<Message> => decideApproval(store, 'approved', { ...ctx, deploy: ctx.ports.deploy }, job),
});

export const reject = defineCommand({
  name: 'reject',
  summary: 'Reject the deploy waiting for a second person on a store: traffic does not move.',
  examples: ['reject store-pl 42', 'reject store-pl'],
  args: { store: storeArg, job: jobArg },
  permission: ({ store }) => `deploy:approve:${store}`,
  sideEffect: 'mutates',
  check: async ({ store, job }, ports) => {
    checkStore(ports.deploy.stores, store);
    await checkApproval(store, job, ports.deploy, new Date());
  },
  run: ({ store, job }, ctx): Promise<Message> => decideApproval(store, 'rejected', { ...ctx, deploy: ctx.ports.deploy }, job),
});
