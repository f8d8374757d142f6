/** `jobs`: newest first, filtered by state, limited. */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BackendError, defineCommand, msg } from '../../src/core/index.js';
import { Gates, people, places, removeTempDirs, startTestApp, tableOf, type TestApp } from '../support/app.js';

const gates = new Gates();

const task = defineCommand({
  name: 'task',
  summary: 'Test: a job that succeeds, fails or waits.',
  examples: ['task ok'],
  args: { how: { type: 'string', positional: 0, required: true, enum: ['ok', 'fail', 'wait'], description: 'How it ends.' } },
  permission: () => 'test:task',
  sideEffect: 'mutates',
  async run({ how }, ctx) {
    if (how === 'fail') throw new BackendError('it broke', 'test');
    if (how === 'wait') {
      ctx.progress('waiting for the gate');
      await gates.wait('task', ctx.signal);
    }
    return msg.text('done');
  },
});

let t: TestApp;
beforeEach(async () => {
  t = await startTestApp({ extraCommands: [task] });
});
afterEach(async () => {
  gates.reset();
  await t.close();
});
afterAll(() => removeTempDirs());

describe('jobs', () => {
  it('says so when there are no jobs yet', async () => {
    const said = await t.say('jobs');
    expect(said.status).toBe('ok');
    expect(said.text).toBe('No jobs yet.');
  });

  it('lists jobs newest first, with state, command, who and step', async () => {
    const ok = await t.runJob('task ok');
    const failed = await t.runJob('task fail', people.oscar);
    const running = await t.start('task wait');
    await gates.entered('task');

    const table = tableOf((await t.say('jobs', people.vera, places.lobby)).message);
    expect(table.columns).toEqual(['#', 'state', 'command', 'by', 'started', 'step']);
    expect(table.rows.map((r) => [r[0], r[1], r[2], r[3]])).toEqual([
      [String(running.job.id), 'running', 'task wait', 'Olga'],
      [String(failed.job.id), 'failed', 'task fail', 'Oscar'],
      [String(ok.job.id), 'succeeded', 'task ok', 'Olga'],
    ]);
    expect(table.rows[1]?.[4]).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z$/);
  });

  it('filters by state and limits the count', async () => {
    await t.runJob('task ok');
    const failed = await t.runJob('task fail');
    await t.runJob('task ok');

    const onlyFailed = tableOf((await t.say('jobs --state failed')).message);
    expect(onlyFailed.rows.map((r) => r[0])).toEqual([String(failed.job.id)]);
    expect(tableOf((await t.say('jobs --limit 2')).message).rows).toHaveLength(2);
    expect((await t.say('jobs --state interrupted')).text).toBe('No interrupted jobs.');
  });

  it('explains a state that does not exist, suggesting the closest', async () => {
    const said = await t.say('jobs --state faild');
    expect(said.status).toBe('usage');
    expect(said.text).toContain('`faild` is not a valid state: use one of queued, running, succeeded, failed, cancelled, timed_out, interrupted. Did you mean `failed`?');
  });

  it('refuses a limit out of range', async () => {
    expect((await t.say('jobs --limit 0')).text).toContain('`limit` must be at least 1.');
    expect((await t.say('jobs --limit 201')).text).toContain('`limit` must be at most 200.');
  });

  it('needs jobs:list', async () => {
    const said = await t.say('jobs', people.sam);
    expect(said.status).toBe('denied');
    expect(said.text).toContain('`jobs:list`');
  });
});
