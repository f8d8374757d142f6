/** `cancel <id>`: unknown and finished jobs get a clear answer; running ones are cancelled (see runner.test.ts). */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobRecord, Principal } from '../../src/core/index.js';
import { gatedCommand } from '../support/gated-command.js';
import { Gates, lockableServices, people, places, removeTempDirs, startTestApp, testAccess, type TestApp } from '../support/app.js';

const gates = new Gates();
const wait = gatedCommand(gates, 'wait');

/** A job whose permission the on-call role lacks. */
const guarded = gatedCommand(gates, 'guarded');

/**
 * On call: may cancel jobs and run `wait`, not `guarded`; may ask to scale `web` and run any playbook
 * by the commands' own permissions, but holds neither web's environment nor a catalog permission.
 */
const carl = { platform: 'mattermost', id: 'u-carl', name: 'Carl' } as const;

let t: TestApp;
beforeEach(async () => {
  t = await startTestApp({
    extraCommands: [wait, guarded],
    access: { ...testAccess, roles: { ...testAccess.roles, oncall: { members: ['mattermost:u-carl'], allow: ['jobs:cancel', 'test:wait', 'scale:web', 'playbooks:run:*'] } } },
    // Service `web` runs in environment `test` by default (defaultEnv).
    config: lockableServices('web'),
  });
});

/** A running job as another replica records it (this one does not run it): only its record matters to `cancel`. */
async function runningElsewhere(command: string, args: Record<string, unknown>, text: string, principal: Principal = people.olga): Promise<JobRecord> {
  const now = t.clock.now();
  const audit = { at: now, event: 'job_started', principal, conversation: places.ops, command, args, permission: null, jobId: null, outcome: null, detail: null, refs: {} } as const;
  const begun = await t.store.jobs.begin({ command, text, args, principal, conversation: places.ops, lockKey: null, dryRun: false, owner: 'other-replica/1/abcd', timeoutMs: 60_000, now }, audit, { lock: null, queueIfLocked: false });
  if (!begun.ok) throw new Error('could not record the job');
  return begun.job;
}
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

  it('stopping someone else\'s job also takes the permissions its job checked from the config: a scale\'s environment, a playbook\'s catalog permission', async () => {
    // `scale web +1` without --env needed scale:web from its args, and scale:web:test for the default environment.
    const scaling = await runningElsewhere('scale', { service: 'web', change: '+1' }, 'scale web +1');
    const refusedScale = await t.say(`cancel ${scaling.id}`, carl);
    expect(refusedScale.status).toBe('denied');
    expect(refusedScale.text).toContain(`Job #${scaling.id} is Olga's: stopping it also needs \`scale:web:test\``);
    // `run deploy-colour` needed playbooks:run:deploy-colour and the catalog's deploy:playbook.
    const playbook = await runningElsewhere('run', { playbook: 'deploy-colour', check: false, vars: { colour: 'blue' } }, 'run deploy-colour colour=blue');
    const refusedRun = await t.say(`cancel ${playbook.id}`, carl);
    expect(refusedRun.status).toBe('denied');
    expect(refusedRun.text).toContain(`Job #${playbook.id} is Olga's: stopping it also needs \`deploy:playbook\``);
    const audited = await t.store.audit.recent(10);
    expect(audited.map((e) => e.event)).not.toContain('cancel_requested');
    expect(audited.filter((e) => e.event === 'denied').map((e) => e.permission)).toEqual(['deploy:playbook', 'scale:web:test']);
    // An operator holds every permission: both stop (on the replica that runs them, at its next heartbeat).
    expect((await t.say(`cancel ${scaling.id}`, people.oscar)).text).toContain(`Cancelling job #${scaling.id}…`);
    expect((await t.say(`cancel ${playbook.id}`, people.oscar)).text).toContain(`Cancelling job #${playbook.id}…`);
  });

  it('nobody else may stop a job whose extra permissions this config cannot work out any more', async () => {
    const gone = await runningElsewhere('scale', { service: 'api', change: '+1' }, 'scale api +1');
    const refused = await t.say(`cancel ${gone.id}`, people.oscar);
    expect(refused.status).toBe('denied');
    expect(refused.text).toContain(`Job #${gone.id} is Olga's, and what it needed to start cannot be worked out from this opsbot's config (There is no service \`api\`.`);
    expect((await t.say(`cancel ${gone.id}`)).text).toContain(`Cancelling job #${gone.id}…`);
  });

  it('rejects an id that is not a job number', async () => {
    expect((await t.say('cancel 0')).text).toContain('`id` must be at least 1.');
    expect((await t.say('cancel last')).text).toContain('`id` must be a whole number, not `last`.');
    expect((await t.say('cancel 99999999999999999999')).text).toContain('`id` is too large a number.');
  });
});
