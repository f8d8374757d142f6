/** `unlock`: lifting a freeze asks for confirmation; a target that is not frozen is refused before that. */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineCommand, msg } from '../../src/core/index.js';
import { Gates, lockableServices, people, removeTempDirs, startTestApp, type Said, type TestApp } from '../support/app.js';

const gates = new Gates();
const hold = defineCommand({
  name: 'hold',
  summary: 'Test: a job holding a target.',
  examples: ['hold web'],
  args: { target: { type: 'string', positional: 0, required: true, description: 'The target.' } },
  permission: () => 'test:hold',
  sideEffect: 'mutates',
  lock: ({ target }) => target,
  async run(_args, ctx) {
    await gates.wait('hold', ctx.signal);
    return msg.text('done');
  },
});

let t: TestApp;
beforeEach(async () => {
  t = await startTestApp({ extraCommands: [hold], config: lockableServices('web', 'db') });
});
afterEach(async () => {
  gates.reset();
  await t.close();
});
afterAll(() => removeTempDirs());

function codeOf(said: Said): string {
  expect(said.status).toBe('confirm');
  const code = /`confirm ([A-Z0-9]{6})`/.exec(said.text)?.[1];
  if (code === undefined) throw new Error(`no code in: ${said.text}`);
  return code;
}

describe('unlock', () => {
  it('asks for confirmation, then lifts the freeze, audited', async () => {
    await t.runJob('lock web maintenance');
    const prompt = await t.say('unlock web');
    expect(prompt.text).toContain('Confirm: `unlock web`');
    expect(await t.store.locks.get('web', new Date())).not.toBeNull();

    const { job, text } = await t.runJob(`confirm ${codeOf(prompt)}`);
    expect(job.state).toBe('succeeded');
    expect(text).toContain('`web` is unfrozen (it was frozen by Olga: maintenance).');
    expect(await t.store.locks.get('web', new Date())).toBeNull();
    const events = (await t.store.audit.recent(10)).map((e) => e.event);
    expect(events).toContain('unlock');
    expect(events).toContain('confirmed');
  });

  it('answers to its alias `unfreeze`', async () => {
    await t.runJob('lock web');
    expect((await t.say('unfreeze web')).status).toBe('confirm');
  });

  it('says at once when the target is not frozen: no confirmation, no job, only the rejection audited', async () => {
    const said = await t.say('unlock nothing-locked');
    expect(said.status).toBe('usage');
    expect(said.text).toContain('`nothing-locked` is not frozen.');
    expect(await t.store.jobs.list({ limit: 10 })).toEqual([]);
    expect(t.dump()).toContain('"confirmations":[]');
    const audit = await t.store.audit.recent(10);
    expect(audit.map((e) => [e.event, e.outcome, e.command, e.permission])).toEqual([['rejected', 'rejected', 'unlock', 'locks:release:nothing-locked']]);
    // The dry run too: there is nothing it would lift.
    expect((await t.say('unlock web --dry-run')).status).toBe('usage');
  });

  it('refuses again when the freeze went away between the prompt and the confirmation', async () => {
    await t.runJob('lock web');
    const prompt = await t.say('unlock web');
    const first = await t.runJob(`confirm ${codeOf(await t.say('unlock web'))}`);
    expect(first.job.state).toBe('succeeded');
    const late = await t.say(`confirm ${codeOf(prompt)}`);
    expect(late.status).toBe('usage');
    expect(late.text).toContain('`web` is not frozen.');
  });

  it('never releases a running job’s lease, and says so before asking', async () => {
    const started = await t.start('hold db');
    await gates.entered('hold');
    const said = await t.say('unlock db');
    expect(said.status).toBe('usage');
    expect(said.text).toContain("`db` is not frozen: a running job holds it, and a job's lock ends with the job (use `cancel`).");
    expect((await t.store.locks.get('db', new Date()))?.jobId).toBe(started.job.id);
  });

  it('with --dry-run, asks nothing and lifts nothing', async () => {
    await t.runJob('lock web');
    const { job, text } = await t.runJob('unlock web --dry-run');
    expect(job.dryRun).toBe(true);
    expect(text).toContain('Would lift the freeze on `web`.');
    expect(await t.store.locks.get('web', new Date())).not.toBeNull();
  });

  it('needs locks:release:<target>', async () => {
    const said = await t.say('unlock web', people.vera);
    expect(said.status).toBe('denied');
    expect(said.text).toContain('`locks:release:web`');
  });
});
