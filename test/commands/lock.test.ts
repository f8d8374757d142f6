/** `lock`: list the locks, or freeze a configured target (a job itself); conflicts, dry runs, unknown targets. */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineCommand, msg } from '../../src/core/index.js';
import { Gates, lockableServices, people, places, removeTempDirs, startTestApp, tableOf, type TestApp } from '../support/app.js';

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

describe('lock', () => {
  it('says nothing is locked', async () => {
    const said = await t.say('lock', people.vera, places.ops);
    expect(said.status).toBe('ok');
    expect(said.text).toBe('Nothing is locked.');
  });

  it('freezes a target as a job, audited, and lists it until unlock', async () => {
    const { job, text } = await t.runJob('lock web release freeze until Monday');
    expect(job.state).toBe('succeeded');
    expect(text).toContain('`web` is frozen: release freeze until Monday. Nothing will deploy or change it until `unlock web`.');
    expect(await t.store.locks.get('web', new Date())).toMatchObject({ jobId: null, holder: people.olga, reason: 'release freeze until Monday', expiresAt: null });
    expect((await t.store.audit.recent(10)).map((e) => e.event)).toContain('lock');

    const table = tableOf((await t.say('lock')).message);
    expect(table.columns).toEqual(['target', 'held by', 'why', 'since', 'until']);
    expect(table.rows).toHaveLength(1);
    expect(table.rows[0]?.slice(0, 3)).toEqual(['web', 'Olga', 'release freeze until Monday']);
    expect(table.rows[0]?.[4]).toBe('unlock');
  });

  it.each([
    ['lock web 10\u201312 window \u2013 back soon \u2014 promise', 'web', '10\u201312 window \u2013 back soon \u2014 promise'],
    ['lock db deploy \u2014 back at 5', 'db', 'deploy \u2014 back at 5'],
    ['lock web a -- b', 'web', 'a -- b'],
    ['lock db -- -x marks the spot', 'db', '-x marks the spot'],
  ])('stores the reason of `%s` with its dashes as typed', async (text, target, reason) => {
    const { job } = await t.runJob(text);
    expect(job.state).toBe('succeeded');
    expect(await t.store.locks.get(target, new Date())).toMatchObject({ reason });
  });

  it('lists a running job’s lease with its job and expiry', async () => {
    const started = await t.start('hold db');
    await gates.entered('hold');
    const row = tableOf((await t.say('lock')).message).rows[0];
    expect(row?.slice(0, 3)).toEqual(['db', 'Olga', `job #${started.job.id}`]);
    expect(row?.[4]).toMatch(/Z$/);
  });

  it('answers to its alias `freeze`', async () => {
    expect((await t.runJob('freeze web')).job.state).toBe('succeeded');
    expect(await t.store.locks.get('web', new Date())).not.toBeNull();
  });

  it('refuses to freeze what is already locked, naming the holder', async () => {
    await t.runJob('lock web maintenance');
    const again = await t.runJob('lock web', people.oscar);
    expect(again.job.state).toBe('failed');
    expect(again.job.error).toBe('`web` is already locked by Olga (freeze: maintenance).');

    const started = await t.start('hold db');
    await gates.entered('hold');
    const busy = await t.runJob('lock db');
    expect(busy.job.error).toBe(`\`db\` is already locked by Olga (job #${started.job.id}).`);
  });

  it('with --dry-run, says what it would do and freezes nothing', async () => {
    const { job, text } = await t.runJob('lock web --dry-run');
    expect(job).toMatchObject({ state: 'succeeded', dryRun: true });
    expect(text).toContain('Would freeze `web`.');
    expect(await t.store.locks.list(new Date())).toEqual([]);
  });

  it('rejects a target that is not a plain name, and audits the rejection', async () => {
    const said = await t.say('lock ../../etc');
    expect(said.status).toBe('usage');
    expect(said.text).toContain('`../../etc` is not a valid target (a store or service name).');
    expect((await t.store.audit.recent(1))[0]).toMatchObject({ event: 'rejected', command: 'lock' });
  });

  it('refuses a target nothing locks at once, naming the targets: no job, only the rejection audited', async () => {
    const said = await t.say('lock nosuch-target because');
    expect(said.status).toBe('usage');
    expect(said.text).toContain('`nosuch-target` is not something a lock protects: freeze a service (db, web).');
    expect(said.text).toContain('Usage: lock [<target>] [<reason…>]');
    const typo = await t.say('lock wbe');
    expect(typo.text).toContain('Did you mean `web`?');
    expect(await t.store.jobs.list({ limit: 10 })).toEqual([]);
    expect(await t.store.locks.list(new Date())).toEqual([]);
    const audit = await t.store.audit.recent(10);
    expect(audit.map((e) => [e.event, e.outcome, e.command, e.permission])).toEqual([
      ['rejected', 'rejected', 'lock', 'locks:set:wbe'],
      ['rejected', 'rejected', 'lock', 'locks:set:nosuch-target'],
    ]);
    expect(audit[1]?.args).toEqual({ target: 'nosuch-target', reason: 'because' });
  });

  it('needs locks:set:<target> to freeze but only locks:list to list', async () => {
    expect((await t.say('lock', people.vera)).status).toBe('ok');
    const said = await t.say('lock web', people.vera);
    expect(said.status).toBe('denied');
    expect(said.text).toContain('`locks:set:web`');
  });
});
