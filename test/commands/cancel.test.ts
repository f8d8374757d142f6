/** `cancel <id>`: unknown and finished jobs get a clear answer; running ones are cancelled (see runner.test.ts). */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineCommand, msg } from '../../src/core/index.js';
import { Gates, people, places, removeTempDirs, startTestApp, testAccess, type TestApp } from '../support/app.js';

const gates = new Gates();
const wait = defineCommand({
  name: 'wait',
  summary: 'Test: a job that waits until released.',
  examples: ['wait'],
  args: {},
  permission: () => 'test:wait',
  sideEffect: 'mutates',
  async run(_args, ctx) {
    await gates.wait('wait', ctx.signal);
    return msg.text('done');
  },
});

/** A job whose permission the on-call role lacks. */
const guarded = defineCommand({
  name: 'guarded',
  summary: 'Test: a job only operators may start.',
  examples: ['guarded'],
  args: {},
  permission: () => 'test:guarded',
  sideEffect: 'mutates',
  async run(_args, ctx) {
    await gates.wait('guarded', ctx.signal);
    return msg.text('done');
  },
});

/** On call: may cancel jobs and run `wait`, not `guarded`. */
const carl = { platform: 'mattermost', id: 'u-carl', name: 'Carl' } as const;

let t: TestApp;
beforeEach(async () => {
  t = await startTestApp({
    extraCommands: [wait, guarded],
    access: { ...testAccess, roles: { ...testAccess.roles, oncall: { members: ['mattermost:u-carl'], allow: ['jobs:cancel', 'test:wait'] } } },
  });
});
afterEach(async () => {
  gates.reset();
  await t.close();
});
afterAll(() => removeTempDirs());

describe('cancel', () => {
  it('answers a job that does not exist with a clear error and audits nothing', async () => {
    const said = await t.say('cancel 99');
    expect(said.status).toBe('usage');
    expect(said.text).toContain('There is no job #99.');
    expect(await t.store.audit.recent(10)).toEqual([]);
  });

  it('says a finished job has already finished, and leaves it as it was', async () => {
    const started = await t.start('wait');
    await gates.entered('wait');
    gates.open('wait');
    const { job } = await started.completion;
    const said = await t.say(`cancel ${job.id}`);
    expect(said.status).toBe('ok');
    expect(said.text).toBe(`Job #${job.id} has already finished.`);
    expect((await t.store.jobs.get(job.id))?.state).toBe('succeeded');
    expect((await t.store.audit.recent(10)).map((e) => e.event)).not.toContain('cancel_requested');
  });

  it('cancels a running job and records who asked', async () => {
    const started = await t.start('wait');
    await gates.entered('wait');
    expect((await t.say(`cancel ${started.job.id}`, people.oscar)).text).toContain(`Cancelling job #${started.job.id}…`);
    expect((await started.completion).job.state).toBe('cancelled');
    const asked = (await t.store.audit.recent(10)).find((e) => e.event === 'cancel_requested');
    expect(asked).toMatchObject({ principal: people.oscar, jobId: started.job.id, command: 'cancel', args: { id: started.job.id } });
  });

  it('needs jobs:cancel: a viewer cannot cancel', async () => {
    const started = await t.start('wait');
    await gates.entered('wait');
    const said = await t.say(`cancel ${started.job.id}`, people.vera, places.ops);
    expect(said.status).toBe('denied');
    expect(said.text).toContain('`jobs:cancel`');
    expect((await t.store.jobs.get(started.job.id))?.state).toBe('running');
  });

  it('stopping someone else\'s job also takes the permission that job needed; one\'s own needs only jobs:cancel', async () => {
    const theirs = await t.start('guarded', people.olga);
    await gates.entered('guarded');
    const refused = await t.say(`cancel ${theirs.job.id}`, carl);
    expect(refused.status).toBe('denied');
    expect(refused.text).toContain(`Job #${theirs.job.id} is Olga's: stopping it also needs \`test:guarded\``);
    expect((await t.store.jobs.get(theirs.job.id))?.state).toBe('running');
    const audited = await t.store.audit.recent(10);
    expect(audited.map((e) => e.event)).not.toContain('cancel_requested');
    expect(audited[0]).toMatchObject({ event: 'denied', command: 'cancel', principal: carl, permission: 'test:guarded', args: { id: theirs.job.id } });

    const own = await t.start('wait', carl);
    await gates.entered('wait');
    expect((await t.say(`cancel ${own.job.id}`, carl)).text).toContain(`Cancelling job #${own.job.id}…`);
    expect((await own.completion).job.state).toBe('cancelled');
    // An operator holds every permission, so stops anyone's job.
    expect((await t.say(`cancel ${theirs.job.id}`, people.oscar)).text).toContain(`Cancelling job #${theirs.job.id}…`);
    expect((await theirs.completion).job.state).toBe('cancelled');
  });

  it('rejects an id that is not a job number', async () => {
    expect((await t.say('cancel 0')).text).toContain('`id` must be at least 1.');
    expect((await t.say('cancel last')).text).toContain('`id` must be a whole number, not `last`.');
    expect((await t.say('cancel 99999999999999999999')).text).toContain('`id` is too large a number.');
  });
});
