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

  it('lists the newest entries first: who, event, command with args, job and outcome', async () => {
    const { job } = await t.runJob('lock web maintenance');
    await t.say('lock db', people.sam);

    const said = await t.say('audit', people.vera, places.ops);
    const table = tableOf(said.message);
    expect(table.columns).toEqual(['when', 'who', 'event', 'command', 'job', 'outcome']);
    expect(table.rows.map((r) => r.slice(1))).toEqual([
      ['Sam (mattermost:u-sam)', 'denied', 'lock {"target":"db"}', '', 'denied'],
      ['Olga (mattermost:u-olga)', 'job_finished', 'lock {"target":"web","reason":"maintenance"}', `#${job.id}`, 'succeeded'],
      ['Olga (mattermost:u-olga)', 'lock', 'lock {"target":"web","reason":"maintenance"}', '', 'maintenance'],
      ['Olga (mattermost:u-olga)', 'job_started', 'lock {"target":"web","reason":"maintenance"}', `#${job.id}`, ''],
    ]);
  });

  it('marks the entries of a dry run, so they never read as real changes', async () => {
    const { job } = await t.runJob('lock web --dry-run');
    await t.say('deploy store-pl blue --dry-run', people.vera);
    const rows = tableOf((await t.say('audit')).message).rows.map((r) => [r[2], r[3], r[4]]);
    expect(rows).toEqual([
      ['denied', 'deploy {"force":false,"store":"store-pl","colour":"blue"} (dry run)', ''],
      ['job_finished', 'lock {"target":"web"} (dry run)', `#${job.id}`],
      ['job_started', 'lock {"target":"web"} (dry run)', `#${job.id}`],
    ]);
    await t.runJob('lock web');
    expect(tableOf((await t.say('audit 1')).message).rows[0]?.[3]).toBe('lock {"target":"web"}');
  });

  it('shows as many entries as asked for, within bounds', async () => {
    await t.runJob('lock web');
    expect(tableOf((await t.say('audit 1')).message).rows).toHaveLength(1);
    expect((await t.say('audit 0')).status).toBe('usage');
    expect((await t.say('audit 500')).text).toContain('`count` must be at most 200.');
  });

  it('needs audit:read', async () => {
    const said = await t.say('audit', people.sam);
    expect(said.status).toBe('denied');
    expect(said.text).toContain('`audit:read`');
  });
});
