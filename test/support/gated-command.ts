/** A test command whose job waits at a named gate until the test opens it (or the job is stopped). */
import { defineCommand, msg, type Command } from '../../src/core/index.js';
import type { Gates } from './app.js';

export function gatedCommand(gates: Gates, name: string, permission = `test:${name}`): Command {
  return defineCommand({
    name,
    summary: `Test: a job that waits at gate \`${name}\` until released.`,
    examples: [name],
    args: {},
    permission: () => permission,
    sideEffect: 'mutates',
    async run(_args, ctx) {
      await gates.wait(name, ctx.signal);
      return msg.text('done');
    },
  });
}
