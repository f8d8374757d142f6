/** Test-only commands that exercise the Mattermost paths: a job, a destructive one, a slow read, a form. */
import { defineCommand } from '../../../src/core/command.js';
import { Gates } from '../../support/app.js';

export const gates = new Gates();

/** A job on a target: reports steps, logs, a link; waits at gate `job:<target>` when --wait is given. */
export const mmJob = defineCommand({
  name: 'mm-job',
  summary: 'Test job.',
  examples: ['mm-job web'],
  args: {
    target: { type: 'string', positional: 0, required: true, pattern: /^[a-z0-9-]+$/, description: 'The target.' },
    wait: { type: 'boolean', description: 'Wait at a gate before finishing.' },
    lines: { type: 'integer', min: 0, max: 5000, default: 3, description: 'Log lines to write.' },
  },
  permission: (a) => `test:run:${a.target}`,
  sideEffect: 'mutates',
  lock: (a) => `target:${a.target}`,
  async run({ target, wait, lines }, ctx) {
    ctx.progress('preparing', { done: 1, total: 3 });
    for (let i = 1; i <= lines; i++) ctx.log(`line ${i} of the ${target} log`);
    ctx.ref('build', 'https://ci.example.test/job/42');
    ctx.progress('deploying', { done: 2, total: 3 });
    if (wait) await gates.wait(`job:${target}`, ctx.signal);
    return { title: `Deployed ${target}`, tone: 'success', blocks: [{ kind: 'text', text: `${target} is live.` }] };
  },
});

export const mmNuke = defineCommand({
  name: 'mm-nuke',
  summary: 'Test destructive command.',
  examples: ['mm-nuke web'],
  args: { target: { type: 'string', positional: 0, required: true, pattern: /^[a-z0-9-]+$/, description: 'The target.' } },
  permission: (a) => `test:nuke:${a.target}`,
  sideEffect: 'destructive',
  run: ({ target }) => ({ tone: 'success', blocks: [{ kind: 'text', text: `${target} is gone.` }] }),
});

export const mmSlow = defineCommand({
  name: 'mm-slow',
  summary: 'Test read-only command that waits at gate `slow`.',
  examples: ['mm-slow'],
  args: {},
  permission: () => 'test:read',
  sideEffect: 'none',
  async run(_args, ctx) {
    await gates.wait('slow', ctx.signal);
    return { tone: 'neutral', blocks: [{ kind: 'text', text: 'slow answer' }] };
  },
});

export const mmForm = defineCommand({
  name: 'mm-form',
  summary: 'Test command with required arguments, for dialogs.',
  examples: ['mm-form store-pl blue --reason "hotfix"'],
  args: {
    store: { type: 'string', positional: 0, required: true, pattern: /^[a-z0-9-]+$/, patternHint: 'a store name such as store-pl', description: 'The store.' },
    colour: { type: 'string', positional: 1, required: true, enum: ['blue', 'green'], description: 'The colour.' },
    reason: { type: 'string', required: true, maxLength: 200, description: 'Why.' },
    replicas: { type: 'integer', min: 1, max: 10, description: 'How many.' },
    force: { type: 'boolean', description: 'Force it.' },
  },
  permission: (a) => `test:form:${a.store}`,
  sideEffect: 'mutates',
  run: ({ store, colour, reason, replicas, force }) => ({
    tone: 'success',
    blocks: [{ kind: 'text', text: `store=${store} colour=${colour} reason=${reason} replicas=${replicas ?? '-'} force=${String(force)}` }],
  }),
});

export const testCommands = [mmJob, mmNuke, mmSlow, mmForm];
