/** `maintenance` from chat, end to end: real dispatcher, real store, a real Alertmanager on loopback. */
import { DateTime } from 'luxon';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AlertmanagerClient } from '../../src/backends/alertmanager/client.js';
import type { MaintenanceConfig } from '../../src/config/types.js';
import { people, removeTempDirs, startTestApp, testAccess, type TestApp } from '../support/app.js';
import { startAlertmanager, type RunningAlertmanager } from './alertmanager.js';

let am: RunningAlertmanager;
const apps: TestApp[] = [];

beforeAll(async () => {
  am = await startAlertmanager();
});

afterAll(async () => {
  await am.stop();
});

afterEach(async () => {
  for (const a of apps.splice(0)) await a.close();
  removeTempDirs();
});

function maintenance(): MaintenanceConfig {
  return {
    targets: {
      db: { matchers: { service: 'db' }, announceTo: ['mattermost:ch-war'], blockDeploys: true, leadMs: 30 * 60_000 },
      web: { matchers: { service: 'web' }, announceTo: [], blockDeploys: false, leadMs: 30 * 60_000 },
    },
    recurring: [{ name: 'nightly-web', target: 'web', cron: '0 2 * * *', timezone: 'Europe/Warsaw', durationMs: 3_600_000, reason: 'nightly restart', leadMs: null, blockDeploys: null }],
    displayZone: 'UTC',
    alertmanager: { url: am.url, timeout: 5_000 },
  };
}

/** May open windows of `web` and use `maintenance end`, and end windows of `web` only. */
const sam = people.sam;

async function app(): Promise<TestApp> {
  const access = { ...testAccess, roles: { ...testAccess.roles, webkeeper: { members: ['mattermost:u-sam'], allow: ['maintenance:list', 'maintenance:open:web', 'maintenance:end', 'maintenance:end:web'] } } };
  const t = await startTestApp({ access, config: { maintenance: maintenance() } });
  apps.push(t);
  return t;
}

describe('maintenance command', () => {
  it('opens a window with a real silence, lists it, and ends it early removing the silence', async () => {
    const t = await app();
    const client = new AlertmanagerClient({ url: am.url, bearer: null, timeout: 5_000 });
    const read = (id: string | undefined) => client.get(id ?? 'missing', AbortSignal.timeout(5_000));
    const opened = await t.runJob('maintenance db now 1h vacuum full');
    expect(opened.job.state).toBe('succeeded');
    expect(opened.text).toContain('Maintenance #1 of db');
    expect(opened.text).toMatch(/silence [0-9a-f-]{36}/);
    expect(opened.text).toContain('blocked');
    const silenceId = /silence ([0-9a-f-]{36})/.exec(opened.text)?.[1];
    const silence = await read(silenceId);
    expect(silence?.status.state).toBe('active');
    expect(silence?.matchers).toEqual([{ name: 'service', value: 'db', isRegex: false, isEqual: true }]);
    // Announced to the target's channel.
    expect(t.notices.some((n) => n.conversation.id === 'ch-war' && n.text.includes('has started — vacuum full'))).toBe(true);
    expect(t.app.maintenance.isInMaintenance('db', t.clock.now())).toBe(true);
    // `status` shows the window in force, and that it blocks deploys.
    const status = await t.say('status');
    expect(status.status).toBe('ok');
    expect(status.text).toContain('In maintenance now:');
    expect(status.text).toMatch(/db\s+\S+ \S+\s+vacuum full\s+blocked/);

    const list = await t.say('maintenance list --tz Europe/Warsaw');
    expect(list.status).toBe('ok');
    expect(list.text).toContain('Maintenance windows (times in Europe/Warsaw)');
    // Without --tz, in the viewer's own zone as their platform knows it, else the display zone.
    t.app.profiles.register('mattermost', { timeZoneOf: (p) => Promise.resolve(p.id === 'u-olga' ? 'America/New_York' : null) });
    expect((await t.say('maintenance list')).text).toContain('Maintenance windows (times in America/New_York)');
    expect((await t.say('maintenance list', people.oscar)).text).toContain('Maintenance windows (times in UTC)');
    expect(list.text).toContain('active');
    expect(list.text).toContain('vacuum full');
    expect(list.text).toContain('nightly-web (next)');

    const ended = await t.runJob('maintenance end 1');
    expect(ended.job.state).toBe('succeeded');
    expect(ended.text).toContain(`removed silence ${silenceId ?? ''}`);
    expect((await read(silenceId))?.status.state).toBe('expired');
    expect(t.app.maintenance.isInMaintenance('db', t.clock.now())).toBe(false);
    const again = await t.runJob('maintenance end 1');
    expect(again.job.state).toBe('failed');
    expect(again.text).toContain('has ended already');
    const audit = await t.store.audit.recent(30);
    expect(audit.some((e) => e.event === 'maintenance_ended' && e.detail?.includes('ended early by Olga') === true)).toBe(true);
  });

  it('reads HH:MM in --tz and refuses unknown targets, bad times and people without the permission', async () => {
    const t = await app();
    const at = await t.runJob('maintenance web 02:00 90m --tz Europe/Warsaw --dry-run');
    const expected = DateTime.fromJSDate(t.clock.now(), { zone: 'Europe/Warsaw' }).plus({ days: DateTime.fromJSDate(t.clock.now(), { zone: 'Europe/Warsaw' }).hour >= 2 ? 1 : 0 }).toISODate();
    expect(at.text).toContain(`Would open a maintenance window for \`web\`: ${expected ?? ''} 02:00`);
    expect(await t.store.maintenance.current(new Date(0))).toEqual([]);
    // Refused by the command's check: at once, with the targets or the usage, and no job.
    const unknown = await t.say('maintenance dbx now 1h');
    expect(unknown.status).toBe('usage');
    expect(unknown.text).toContain('`dbx` is not a maintenance target. Did you mean `db`?');
    expect(unknown.text).toContain('Targets: db, web');
    const badTime = await t.say('maintenance db 25:00 1h');
    expect(badTime.status).toBe('usage');
    expect(badTime.text).toContain('`25:00` is not a start time');
    expect(badTime.text).toContain('Usage: maintenance');
    const noDuration = await t.say('maintenance db');
    expect(noDuration.text).toContain('Give a start and a duration');
    const badZone = await t.say('maintenance db 02:00 90m --tz Nowhere/X');
    expect(badZone.text).toContain('`Nowhere/X` is not a time zone');
    expect((await t.store.jobs.list({ limit: 10 })).map((j) => j.text)).toEqual(['maintenance web 02:00 1h30m --tz Europe/Warsaw --dry-run']);
    const badDuration = await t.say('maintenance db now soon');
    expect(badDuration.status).toBe('usage');
    const denied = await t.say('maintenance db now 1h', people.vera);
    expect(denied.status).toBe('denied');
    expect(denied.text).toContain('maintenance:open:db');
  });

  it('ending a window also needs maintenance:end:<target> of its target, checked before any job', async () => {
    const t = await app();
    expect((await t.runJob('maintenance db now 1h kernel upgrade')).job.state).toBe('succeeded');
    // Sam may not open a window of db, and so may not end one either, though he may use `maintenance end`.
    expect((await t.say('maintenance db now 1h', sam)).text).toContain('maintenance:open:db');
    for (const text of ['maintenance end 1', 'maintenance end 1 --dry-run']) {
      const denied = await t.say(text, sam);
      expect(denied.status).toBe('denied');
      expect(denied.text).toContain('Maintenance #1 is of `db`: ending it needs `maintenance:end:db`, and none of your roles grants it.');
    }
    expect((await t.store.audit.recent(1))[0]).toMatchObject({ event: 'denied', outcome: 'denied', principal: sam, command: 'maintenance', permission: 'maintenance:end:db', jobId: null });
    expect((await t.store.jobs.list({ limit: 10 })).filter((j) => j.principal.id === sam.id)).toEqual([]);
    expect(t.app.maintenance.isInMaintenance('db', t.clock.now())).toBe(true);
    // A window that does not exist is refused at once too, before any job.
    const unknown = await t.say('maintenance end 99', sam);
    expect(unknown.status).toBe('usage');
    expect(unknown.text).toContain('There is no maintenance window #99.');
    // His own target's windows he opens and ends.
    const opened = await t.runJob('maintenance web now 1h', sam);
    expect(opened.text).toContain('Maintenance #2 of web');
    expect((await t.runJob('maintenance end 2', sam)).job.state).toBe('succeeded');
    // #2 is over. (Whether `web` is in maintenance depends on the hour: the config's nightly-web
    // window is 02:00-03:00 Warsaw time, and this test used to fail then.)
    expect(t.app.maintenance.activeWindows(t.clock.now()).map((w) => w.id)).not.toContain(2);
    expect((await t.app.maintenance.window(2)).endedAt).not.toBeNull();
    // Olga (`*`) ends any.
    expect((await t.runJob('maintenance end 1')).job.state).toBe('succeeded');
  });
});
