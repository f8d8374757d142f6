/** `job <id>`: state, who, timing, target, refs, summary or error, and the log tail. */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BackendError, defineCommand, msg, type Message } from '../../src/core/index.js';
import { fieldsOf, people, places, removeTempDirs, startTestApp, type TestApp } from '../support/app.js';

const ship = defineCommand({
  name: 'ship',
  summary: 'Test: a job with a target, refs and a log.',
  examples: ['ship web'],
  args: {
    target: { type: 'string', positional: 0, required: true, description: 'The target.' },
    fail: { type: 'boolean', description: 'Fail at the end.' },
  },
  permission: () => 'test:ship',
  sideEffect: 'mutates',
  lock: ({ target }) => target,
  run({ target, fail }, ctx) {
    for (let i = 1; i <= 30; i += 1) ctx.log(`log line ${i}`);
    ctx.progress('restart', { done: 4, total: 4 });
    ctx.ref('build', '311');
    if (fail) throw new BackendError('Jenkins build 311 failed', 'jenkins');
    return msg.text(`shipped ${target}`, 'success');
  },
});

/** The log tail block of `job <id>`. */
function logOf(message: Message): string {
  const block = message.blocks.find((b) => b.kind === 'code');
  if (block?.kind !== 'code') throw new Error(`no log in ${JSON.stringify(message)}`);
  return block.text;
}

let t: TestApp;
beforeEach(async () => {
  t = await startTestApp({ extraCommands: [ship] });
});
afterEach(async () => t.close());
afterAll(() => removeTempDirs());

describe('job', () => {
  it('shows a finished job with its fields, summary and the last 20 log lines', async () => {
    const { job } = await t.runJob('ship web');
    const said = await t.say(`job ${job.id}`, people.vera, places.lobby);
    expect(said.status).toBe('ok');
    expect(said.message.title).toBe(`Job #${job.id} succeeded`);
    expect(said.message.tone).toBe('success');
    expect(said.text).toContain('`ship web`');
    expect(fieldsOf(said.message)).toMatchObject({ State: 'succeeded', By: 'Olga', Target: 'web', build: '311' });
    expect(fieldsOf(said.message).Took).not.toBe('—');
    expect(said.message.blocks).toContainEqual({ kind: 'progress', step: 'restart', done: 4, total: 4 });
    expect(said.text).toContain('shipped web');
    const log = logOf(said.message);
    expect(log.split('\n').at(-1)).toBe('log line 30');
    expect(log).toContain('\nlog line 11\n');
    expect(log).not.toContain('log line 10\n');
  });

  it('shows as many log lines as asked for with --lines', async () => {
    const { job } = await t.runJob('ship web');
    const said = await t.say(`job ${job.id} --lines 2`);
    expect(logOf(said.message)).toMatch(/^… \(\d+ earlier characters not shown\)\nlog line 29\nlog line 30$/);
  });

  it('shows the error of a failed job and a dry run as such', async () => {
    const failed = await t.runJob('ship web --fail');
    const said = await t.say(`job ${failed.job.id}`);
    expect(said.message.title).toBe(`Job #${failed.job.id} failed`);
    expect(said.message.tone).toBe('danger');
    expect(said.text).toContain('Jenkins build 311 failed');
    const dry = await t.runJob('ship db --dry-run');
    expect((await t.say(`job ${dry.job.id}`)).text).toContain('`ship db --dry-run` (dry run)');
  });

  it('answers a job that does not exist with a clear error', async () => {
    const said = await t.say('job 999');
    expect(said.status).toBe('usage');
    expect(said.text).toContain('There is no job #999.');
  });

  it('needs the job number', async () => {
    const said = await t.say('job');
    expect(said.status).toBe('usage');
    expect(said.text).toContain('Missing <id>: the job number.');
  });
});
