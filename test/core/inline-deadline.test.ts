/**
 * A read-only command runs inline, not as a job, but it is still time-bounded: one that never
 * answers (and ignores its abort signal) is abandoned at its timeout with a clear error, its signal
 * is aborted, and the dispatcher goes on answering others.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { defineCommand } from '../../src/core/command.js';
import { msg } from '../../src/core/message.js';
import { removeTempDirs, startTestApp, type TestApp } from '../support/app.js';

let aborted: unknown = null;
const stuck = defineCommand({
  name: 'stuck',
  summary: 'Never answers, ignoring its signal (like a hung backend read).',
  examples: ['stuck'],
  args: {},
  permission: () => 'stuck',
  sideEffect: 'none',
  timeout: 300,
  run: (_args, ctx) => {
    ctx.signal.addEventListener('abort', () => {
      aborted = ctx.signal.reason as unknown;
    });
    return new Promise<never>(() => undefined);
  },
});
const quick = defineCommand({
  name: 'quick',
  summary: 'Answers at once.',
  examples: ['quick'],
  args: {},
  permission: () => 'quick',
  sideEffect: 'none',
  run: () => msg.text('here'),
});

let t: TestApp | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
  removeTempDirs();
});

describe('inline read-only commands have a deadline', () => {
  it('abandons a command that never answers, says so, aborts its signal, and keeps answering others', async () => {
    t = await startTestApp({ extraCommands: [stuck, quick] });
    const pending = t.say('stuck');
    // Meanwhile the dispatcher is not blocked.
    expect((await t.say('quick')).text).toContain('here');
    const answer = await pending;
    expect(answer.status).toBe('error');
    expect(answer.text).toContain('`stuck` did not answer within 300 ms');
    expect(aborted).toBeInstanceOf(Error);
    expect((aborted as Error).message).toContain('did not answer');
    // The next run of the same command gets its own deadline.
    aborted = null;
    expect((await t.say('stuck')).status).toBe('error');
    expect(aborted).not.toBeNull();
  });
});
