/** `audit`: the newest entries, who, what, where, outcome. */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lockableServices, people, places, removeTempDirs, startTestApp, tableOf, type TestApp } from '../support/app.js';

let t: TestApp;
beforeEach(async () => {
  t = await startTestApp({ config: lockableServices('web', 'db') });
});
afterEach(async () => t.close());
afterAll(() => removeTempDirs());

describe('audit', () => {
  it('says so when the audit log is empty (reading is not audited)', async () => {
    await t.say('jobs');
    expect((await t.say('audit')).text).toBe('The audit log is empty.');
  });

  it('lists the newest entries first: who, event, the command as typed, job and outcome', async () => {
    const { job } = await t.runJob('lock web maintenance');
    await t.say('lock db', people.sam);

    const said = await t.say('audit', people.vera, places.ops);
    const table = tableOf(said.message);
    expect(table.columns).toEqual(['when', 'who', 'event', 'command', 'job', 'outcome']);
    expect(table.rows.map((r) => r.slice(1))).toEqual([
      ['Sam (mattermost:u-sam)', 'denied', 'lock db', '', 'denied'],
      ['Olga (mattermost:u-olga)', 'job_finished', 'lock web maintenance', `#${job.id}`, 'succeeded'],
      ['Olga (mattermost:u-olga)', 'lock', 'lock web maintenance', '', 'maintenance'],
      ['Olga (mattermost:u-olga)', 'job_started', 'lock web maintenance', `#${job.id}`, ''],
    ]);
  });

  it('marks the entries of a dry run, so they never read as real changes', async () => {
    const { job } = await t.runJob('lock web --dry-run');
    await t.say('deploy store-pl blue --dry-run', people.vera);
    const rows = tableOf((await t.say('audit')).message).rows.map((r) => [r[2], r[3], r[4]]);
    expect(rows).toEqual([
      ['denied', 'deploy store-pl blue --dry-run', ''],
      ['job_finished', 'lock web --dry-run', `#${job.id}`],
      ['job_started', 'lock web --dry-run', `#${job.id}`],
    ]);
    await t.runJob('lock web');
    expect(tableOf((await t.say('audit 1')).message).rows[0]?.[3]).toBe('lock web');
  });

  it('quotes free text and shows options, durations and variables as they would be typed again', async () => {
    await t.runJob('lock web "back at 5, it\'s fine"');
    await t.say('maintenance web 2030-01-01T02:00Z 90m "kernel" --dry-run', people.sam);
    const rows = tableOf((await t.say('audit 10')).message).rows.map((r) => r[3]);
    expect(rows).toContain("lock web 'back at 5, it'\\''s fine'");
    expect(rows).toContain('maintenance web 2030-01-01T02:00Z 1h30m kernel --dry-run');
  });

  it('shows an entry as recorded when its command, or one of its arguments, is not known (any more)', async () => {
    const at = new Date();
    const base = { at, principal: people.olga, conversation: places.ops, permission: null, jobId: null, outcome: null, detail: null, refs: {} };
    await t.store.audit.append({ ...base, event: 'lock', command: 'retired', args: { target: 'web' } });
    await t.store.audit.append({ ...base, event: 'lock', command: 'lock', args: { target: 'web', colour: 'blue' } });
    const rows = tableOf((await t.say('audit 2')).message).rows.map((r) => r[3]);
    expect(rows).toEqual(['lock {"target":"web","colour":"blue"}', 'retired {"target":"web"}']);
  });

  it('shows as many entries as asked for, within bounds', async () => {
    await t.runJob('lock web');
    expect(tableOf((await t.say('audit 1')).message).rows).toHaveLength(1);
    expect((await t.say('audit 0')).status).toBe('usage');
    expect((await t.say('audit 500')).text).toContain('`count` must be at most 200.');
  });

  it('narrows to one command (by name or alias), one person (me or a stable id) or one job', async () => {
    const { job } = await t.runJob('lock web maintenance');
    await t.runJob('lock db', people.oscar);
    await t.say('lock db', people.sam);

    const rows = async (text: string) => tableOf((await t.say(text, people.vera)).message).rows.map((r) => `${r[1]} ${r[2]}`);
    expect(await rows('audit --by mattermost:u-sam')).toEqual(['Sam (mattermost:u-sam) denied']);
    expect((await t.say('audit --by me', people.vera)).text).toBe('No audit entries by mattermost:u-vera.');
    expect(await rows(`audit --job ${job.id}`)).toEqual(['Olga (mattermost:u-olga) job_finished', 'Olga (mattermost:u-olga) job_started']);
    // `freeze` is an alias of `lock`: entries record the name.
    const locks = await t.say('audit --command freeze --by mattermost:u-oscar 2', people.vera);
    expect(locks.message.title).toBe('Audit: `lock` by mattermost:u-oscar');
    expect(tableOf(locks.message).rows.map((r) => r[2])).toEqual(['job_finished', 'lock']);
  });

  it('refuses an unknown command and a display name for a person', async () => {
    const unknown = await t.say('audit --command lokc');
    expect(unknown.status).toBe('usage');
    expect(unknown.text).toContain('There is no command `lokc`. Did you mean `lock`?');
    const name = await t.say('audit --by Olga');
    expect(name.status).toBe('usage');
    expect(await t.say('audit --by mattermost:')).toMatchObject({ status: 'usage' });
  });

  it('needs audit:read', async () => {
    const said = await t.say('audit', people.sam);
    expect(said.status).toBe('denied');
    expect(said.text).toContain('`audit:read`');
  });
});
