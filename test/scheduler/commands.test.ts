/**
 * `schedule` from chat, end to end through the real dispatcher and store: validation at add time,
 * permissions, listings in the viewer's zone, persistence across restarts, and scheduled commands
 * running as a service principal under the same authorization and audit as a person.
 */
import { Cron } from 'croner';
import { afterEach, describe, expect, it } from 'vitest';
import type { AccessConfig } from '../../src/config/types.js';
import { lockableServices, people, places, removeTempDirs, startTestApp, tempDir, testAccess, type TestApp } from '../support/app.js';
import { join } from 'node:path';

const access: AccessConfig = {
  ...testAccess,
  roles: {
    ...testAccess.roles,
    // A service principal is granted permissions like anyone: it may list jobs and freeze `db`.
    backup: { members: ['schedule:backup-bot'], allow: ['jobs:list', 'locks:set:db'] },
    // May add announcements, but not schedules that run as a principal.
    announcer: { members: ['mattermost:u-sam'], allow: ['schedules:add', 'schedules:list'] },
    // May pause, resume and remove announcements and schedules that run as report-bot, no others.
    curator: { members: ['mattermost:u-pia'], allow: ['schedules:pause', 'schedules:resume', 'schedules:remove', 'schedules:*:report-bot'] },
  },
  channels: {
    ...testAccess.channels,
    'schedule:backup-bot': { commands: ['jobs', 'lock'] },
    'schedule:nobody-bot': { commands: ['jobs', 'lock'] },
  },
};

const apps: TestApp[] = [];
async function app(options: Parameters<typeof startTestApp>[0] = {}): Promise<TestApp> {
  const started = await startTestApp({ access, ...options });
  apps.push(started);
  return started;
}

afterEach(async () => {
  for (const a of apps.splice(0)) await a.close();
  removeTempDirs();
});

/** The first tick of `cron` after the schedule's cursor, plus a second: when a pass finds it due. */
async function firstTick(t: TestApp, id: string): Promise<Date> {
  const record = await t.store.schedules.get(id);
  if (record === null) throw new Error(`no schedule ${id}`);
  const next = new Cron(record.cron, { timezone: record.timezone, paused: true }).nextRun(record.cursorAt);
  if (next === null) throw new Error('no next run');
  return new Date(next.getTime() + 1_000);
}

/** `schedule add` is validated before any job: refused at once with the usage, no job made. */
async function refused(t: TestApp, text: string, as?: (typeof people)[keyof typeof people]): Promise<string> {
  const said = await t.say(text, as);
  expect(said.status).toBe('usage');
  return said.text;
}

describe('schedule add: validation', () => {
  it('refuses a bad cron expression with a clear error, and stores nothing', async () => {
    const t = await app();
    const text = await refused(t, 'schedule add nightly "61 1 * * *" --announce "hello" --to mattermost:ch-ops');
    expect(text).toContain('`61 1 * * *` is not a valid cron expression: Invalid value for minute: 61');
    expect(await refused(t, 'schedule add nightly "0 30 1 * * *" --announce "hello" --to mattermost:ch-ops')).toContain('use five fields');
    expect(await refused(t, 'schedule add nightly "30 1 * * *" --tz Mars/Olympus --announce "hello" --to mattermost:ch-ops')).toContain('`Mars/Olympus` is not a time zone');
    expect(await t.store.schedules.list()).toEqual([]);
    expect(await t.store.jobs.list({ limit: 10 })).toEqual([]);
    // The refusal is in the audit, with the reason.
    const audit = await t.store.audit.recent(20);
    const rejections = audit.filter((e) => e.event === 'rejected' && e.command === 'schedule');
    expect(rejections.map((e) => e.outcome)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(rejections.map((e) => e.detail).join('\n')).toContain('Invalid value for minute: 61');
  });

  it('refuses a scheduled command that does not exist or that its schema rejects', async () => {
    const t = await app();
    expect(await refused(t, 'schedule add backup "0 2 * * *" --run "jbos --limit 5" --as backup-bot')).toContain('The scheduled command `jbos` does not exist. Did you mean `jobs`?');
    expect(await refused(t, 'schedule add backup "0 2 * * *" --run "jobs --limit many" --as backup-bot')).toContain('`limit` must be a whole number');
    expect(await refused(t, 'schedule add backup "0 2 * * *" --run "jobs"')).toContain('`--run` needs `--as <service principal>`');
    expect(await refused(t, 'schedule add backup "0 2 * * *" --run "jobs" --as backup-bot --announce hi')).toContain('Give exactly one action');
    expect(await refused(t, 'schedule add hi "0 2 * * *" --announce hi --to slack:general')).toContain('`slack:general` is not a channel');
    expect(await t.store.schedules.list()).toEqual([]);
  });

  it('needs schedules:add for announcements and schedules:add:<principal> for commands', async () => {
    const t = await app();
    const denied = await t.say('schedule add hi "0 9 * * 1-5" --announce "stand-up" --to mattermost:ch-ops', people.vera);
    expect(denied.status).toBe('denied');
    expect(denied.text).toContain('schedules:add');
    const announce = await t.runJob('schedule add hi "0 9 * * 1-5" --announce "stand-up" --to mattermost:ch-ops', people.sam);
    expect(announce.job.state).toBe('succeeded');
    const escalation = await t.say('schedule add sneaky "0 2 * * *" --run "lock db" --as backup-bot', people.sam);
    expect(escalation.status).toBe('denied');
    expect(escalation.text).toContain('schedules:add:backup-bot');
    expect((await t.store.schedules.list()).map((s) => s.id)).toEqual(['hi']);
  });
});

describe('schedule add: the channels a schedule posts to', () => {
  it('posts an announcement only where the person adding it may run `schedule` themselves', async () => {
    const t = await app();
    for (const [to, allowed] of [
      ['mattermost:ch-lobby', 'help, whoami, jobs, job'],
      ['mattermost:ch-ops,mattermost:ch-random', 'help, whoami'],
    ] as const) {
      for (const who of [people.sam, people.olga]) {
        const denied = await t.say(`schedule add hi "0 9 * * 1-5" --announce "free pizza, click here" --to ${to}`, who);
        expect(denied.status).toBe('denied');
        expect(denied.text).toContain(`An announcement goes only to channels where you may run \`schedule\` yourself: the binding of \`${to.split(',').at(-1) ?? ''}\` does not allow \`schedule\` (allowed there: ${allowed}).`);
      }
    }
    expect((await t.store.audit.recent(1))[0]).toMatchObject({ event: 'denied', outcome: 'denied', principal: people.olga, command: 'schedule', permission: 'channel:schedule', jobId: null });
    expect(await t.store.schedules.list()).toEqual([]);
    expect(await t.store.jobs.list({ limit: 10 })).toEqual([]);
    // Where `schedule` may run, it is posted.
    expect((await t.runJob('schedule add hi "0 9 * * 1-5" --announce "stand-up" --to mattermost:ch-ops,mattermost:ch-war', people.sam)).job.state).toBe('succeeded');
  });

  it('posts a command\'s outcome only where the binding allows that command', async () => {
    const t = await app({ config: lockableServices('db') });
    const denied = await t.say('schedule add freeze-db "0 2 * * *" --run "lock db" --as backup-bot --to mattermost:ch-lobby');
    expect(denied.status).toBe('denied');
    expect(denied.text).toContain('The outcome of `lock` goes only to channels where `lock` may run: the binding of `mattermost:ch-lobby` does not allow `lock` (allowed there: help, whoami, jobs, job).');
    expect((await t.store.audit.recent(1))[0]).toMatchObject({ event: 'denied', command: 'schedule', permission: 'channel:lock' });
    // A dry run is refused the same way.
    expect((await t.say('schedule add freeze-db "0 2 * * *" --run "lock db" --as backup-bot --to mattermost:ch-lobby --dry-run')).status).toBe('denied');
    expect(await t.store.schedules.list()).toEqual([]);
    // `jobs` may run in the lobby, so its outcome may go there; `lock` may go where everything may.
    expect((await t.runJob('schedule add report "0 7 * * *" --run "jobs --limit 5" --as backup-bot --to mattermost:ch-lobby')).job.state).toBe('succeeded');
    expect((await t.runJob('schedule add freeze-db "0 2 * * *" --run "lock db" --as backup-bot --to mattermost:ch-ops')).job.state).toBe('succeeded');
    expect((await t.store.schedules.list()).map((s) => s.id)).toEqual(['freeze-db', 'report']);
  });
});

describe('schedule list, pause, resume, remove', () => {
  it('shows the next run in the viewer zone and the last outcome, and survives a restart', async () => {
    const dbPath = join(tempDir(), 'opsbot.db');
    const first = await app({ sqlitePath: dbPath });
    const added = await first.runJob('schedule add nightly "30 1 * * *" --tz Europe/Warsaw --announce "Maintenance at 02:00" --to mattermost:ch-ops');
    expect(added.job.state).toBe('succeeded');
    expect(added.text).toContain('Schedule `nightly` added');
    const at = await firstTick(first, 'nightly');
    const report = await first.app.scheduler.tick(at);
    await first.app.scheduler.settled();
    expect(report.fired).toHaveLength(1);
    expect(first.notices.map((n) => [n.conversation.id, n.message.blocks])).toEqual([['ch-ops', [{ kind: 'text', text: 'Maintenance at 02:00' }]]]);
    await first.close();

    const second = await app({ sqlitePath: dbPath });
    const list = await second.say('schedule list --tz America/New_York');
    expect(list.status).toBe('ok');
    expect(list.text).toContain('Schedules (times in America/New_York)');
    expect(list.text).toContain('30 1 * * * (Europe/Warsaw)');
    expect(list.text).toMatch(/19:30 (EST|EDT|GMT-5|GMT-4)/); // 01:30 in Warsaw is 19:30 the evening before in New York
    expect(list.text).toContain('posted to 1 channel');
    const record = await second.store.schedules.get('nightly');
    expect([record?.source, record?.createdBy, record?.createdByKey]).toEqual(['chat', 'Olga', 'mattermost:u-olga']);
  });

  it('pauses, resumes and removes; a config schedule cannot be removed from chat', async () => {
    const t = await app({
      config: { schedules: { demo: { cron: '0 22 * * *', timezone: 'UTC', announce: 'Good night', run: null, as: null, to: ['mattermost:ch-ops'], missed: 'skip', paused: false } } },
    });
    expect((await t.say('schedule list')).text).toContain('active, config');
    expect((await t.runJob('schedule pause demo')).text).toContain('is paused');
    expect((await t.say('schedule list')).text).toContain('paused, config');
    expect((await t.runJob('schedule resume demo')).text).toContain('is running again');
    const remove = await t.runJob('schedule remove demo');
    expect(remove.job.state).toBe('failed');
    expect(remove.text).toContain('defined in the config file');
    // An unknown name is refused by the check, at once: no job.
    expect(await refused(t, 'schedule pause nope')).toContain('There is no schedule `nope`');
    await t.runJob('schedule add temp "0 3 * * *" --announce x --to mattermost:ch-ops');
    expect((await t.runJob('schedule remove temp')).text).toContain('Schedule `temp` removed');
    expect((await t.store.schedules.list()).map((s) => s.id)).toEqual(['demo']);
    const dry = await t.runJob('schedule add other "0 3 * * *" --announce x --to mattermost:ch-ops --dry-run');
    expect(dry.text).toContain('Would add schedule `other`');
    expect(await t.store.schedules.get('other')).toBeNull();
  });
});

describe('schedule pause, resume, remove: scoped to the principal a schedule runs as', () => {
  const pia = { platform: 'mattermost', id: 'u-pia', name: 'Pia' } as const;

  it('needs schedules:<action>:<as> for a schedule that runs a command, as adding it needed schedules:add:<as>', async () => {
    const t = await app({ config: lockableServices('db') });
    await t.runJob('schedule add freeze-db "0 2 * * *" --run "lock db" --as backup-bot');
    await t.runJob('schedule add report "0 7 * * *" --run "jobs" --as report-bot');
    await t.runJob('schedule add hi "0 9 * * 1-5" --announce "stand-up" --to mattermost:ch-ops');
    for (const action of ['pause', 'resume', 'remove']) {
      for (const dry of ['', ' --dry-run']) {
        const denied = await t.say(`schedule ${action} freeze-db${dry}`, pia);
        expect(denied.status).toBe('denied');
        expect(denied.text).toContain(`Schedule \`freeze-db\` runs a command as a service principal: ${action === 'pause' ? 'pausing' : action === 'resume' ? 'resuming' : 'removing'} it needs \`schedules:${action}:backup-bot\``);
      }
    }
    const audit = await t.store.audit.recent(10);
    expect(audit[0]).toMatchObject({ event: 'denied', outcome: 'denied', principal: pia, command: 'schedule', permission: 'schedules:remove:backup-bot', jobId: null });
    expect((await t.store.jobs.list({ limit: 20 })).filter((j) => j.principal.id === 'u-pia')).toEqual([]);
    expect((await t.store.schedules.get('freeze-db'))?.paused).toBe(false);
    // Her own principal's schedule and an announcement are hers to manage.
    expect((await t.runJob('schedule pause report', pia)).job.state).toBe('succeeded');
    expect((await t.runJob('schedule pause hi', pia)).job.state).toBe('succeeded');
    expect((await t.runJob('schedule remove report', pia)).job.state).toBe('succeeded');
    // Olga holds every permission.
    expect((await t.runJob('schedule pause freeze-db')).job.state).toBe('succeeded');
    expect((await t.store.schedules.list()).map((s) => [s.id, s.paused])).toEqual([
      ['freeze-db', true],
      ['hi', true],
    ]);
  });
});

describe('scheduled commands run as a service principal', () => {
  it('runs with the principal\'s permissions (job, lock, audit) and is denied without them', async () => {
    const t = await app({ config: lockableServices('db') });
    await t.runJob('schedule add freeze-db "0 2 * * *" --run "lock db nightly backup" --as backup-bot --to mattermost:ch-ops');
    await t.runJob('schedule add intruder "0 2 * * *" --run "lock db" --as nobody-bot --to mattermost:ch-ops');
    const at = await firstTick(t, 'freeze-db');
    const report = await t.app.scheduler.tick(at);
    await t.app.scheduler.settled();
    expect(report.fired.map((f) => f.scheduleId).sort()).toEqual(['freeze-db', 'intruder']);

    // The permitted one ran as a job under schedule:backup-bot and took the lock.
    const lock = await t.store.locks.get('db', t.clock.now());
    expect(lock?.holder).toMatchObject({ platform: 'schedule', id: 'backup-bot' });
    const audit = await t.store.audit.recent(50);
    const finished = audit.find((e) => e.event === 'job_finished' && e.command === 'lock');
    expect(finished).toMatchObject({ principal: { platform: 'schedule', id: 'backup-bot' }, outcome: 'succeeded', permission: 'locks:set:db' });
    expect((await t.store.schedules.get('freeze-db'))?.lastOutcome).toMatch(/^job #\d+ succeeded/);

    // The other has no role: denied, audited as such, reported to its channel.
    const denied = audit.find((e) => e.event === 'denied' && e.principal.id === 'nobody-bot');
    expect(denied).toMatchObject({ principal: { platform: 'schedule', id: 'nobody-bot' }, command: 'lock', permission: 'locks:set:db', outcome: 'denied' });
    expect((await t.store.schedules.get('intruder'))?.lastOutcome).toMatch(/^denied: You need the permission `locks:set:db`/);
    expect(t.notices.some((n) => n.text.includes('Schedule intruder') && n.text.includes('locks:set:db'))).toBe(true);
    expect(t.notices.some((n) => n.text.includes('Schedule freeze-db'))).toBe(true);
  });

  it('a principal without a channel binding is denied even with a role', async () => {
    const t = await app({
      access: { ...access, channels: { ...access.channels, 'schedule:backup-bot': { commands: ['jobs'] } } },
    });
    await t.runJob('schedule add freeze-db "0 2 * * *" --run "lock db" --as backup-bot');
    await t.app.scheduler.tick(await firstTick(t, 'freeze-db'));
    await t.app.scheduler.settled();
    expect((await t.store.schedules.get('freeze-db'))?.lastOutcome).toContain('denied: `lock` is not enabled in this channel');
    expect(await t.store.locks.get('db', t.clock.now())).toBeNull();
    expect(places.ops.id).toBe('ch-ops');
  });
});
