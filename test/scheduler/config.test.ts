/** The `schedules` and `maintenance` config sections: defaults, loading, and the errors people see. */
import { describe, expect, it } from 'vitest';
import { demoConfigPath } from '../../src/config/demo-path.js';
import { errorOf, load, loadText } from '../config/fixtures.js';

describe('schedules config', () => {
  it('loads announcements and commands with their defaults', () => {
    const { config } = loadText(
      [
        'schedules:',
        '  nightly:',
        '    cron: "30 1 * * *"',
        '    timezone: Europe/Warsaw',
        '    announce: Maintenance at 02:00',
        '    to: ["mattermost:ops-id", "teams:19:abc@thread.tacv2"]',
        '  backup:',
        '    cron: "@daily"',
        '    run: run backup',
        '    as: backup-bot',
        '    missed: run-once',
        '',
      ].join('\n'),
    );
    expect(config.schedules).toEqual({
      nightly: { cron: '30 1 * * *', timezone: 'Europe/Warsaw', announce: 'Maintenance at 02:00', run: null, as: null, to: ['mattermost:ops-id', 'teams:19:abc@thread.tacv2'], missed: 'skip', paused: false },
      backup: { cron: '@daily', timezone: 'UTC', announce: null, run: 'run backup', as: 'backup-bot', to: [], missed: 'run-once', paused: false },
    });
    expect(loadText('log:\n  level: warn\n').config.schedules).toEqual({});
  });

  it('names the schedule and the reason for a bad cron, zone or action', () => {
    expect(errorOf('schedules:\n  nightly:\n    cron: "61 1 * * *"\n    announce: hi\n    to: ["mattermost:x"]\n')).toContain('schedules.nightly: "61 1 * * *" is not a valid cron expression: Invalid value for minute: 61');
    expect(errorOf('schedules:\n  nightly:\n    cron: "30 1 * * *"\n    timezone: Europe/Atlantis\n    announce: hi\n    to: ["mattermost:x"]\n')).toContain('"Europe/Atlantis" is not a time zone');
    expect(errorOf('schedules:\n  nightly:\n    cron: "30 1 * * *"\n    announce: hi\n    run: jobs\n    as: bot\n')).toContain('schedules.nightly: has both announce and run');
    expect(errorOf('schedules:\n  nightly:\n    cron: "30 1 * * *"\n    run: jobs\n')).toContain('needs as: with run');
    expect(errorOf('schedules:\n  nightly:\n    cron: "30 1 * * *"\n    announce: hi\n')).toContain('An announcement needs at least one channel');
    expect(errorOf('schedules:\n  Nightly:\n    cron: "30 1 * * *"\n    announce: hi\n    to: ["mattermost:x"]\n')).toContain('is not a schedule name');
  });

  it('refuses a scheduled command that does not exist, or whose arguments its command refuses, at its `run` line', () => {
    const schedule = (run: string): string => `schedules:\n  nightly:\n    cron: "0 2 * * *"\n    run: ${JSON.stringify(run)}\n    as: bot\n`;
    expect(errorOf(schedule('lcok db'))).toBe('opsbot.yaml:4:10 schedules.nightly.run: The scheduled command "lcok" does not exist. Did you mean "lock"?');
    expect(errorOf(schedule('backup db'))).toBe('opsbot.yaml:4:10 schedules.nightly.run: The scheduled command "backup" does not exist.');
    expect(errorOf(schedule('jobs --limit many'))).toMatch(/^opsbot\.yaml:4:10 schedules\.nightly\.run: The scheduled command "jobs --limit many" is not valid: /);
    expect(errorOf(schedule('confirm K7QX2M'))).toBe('opsbot.yaml:4:10 schedules.nightly.run: "confirm" cannot be scheduled: scheduled commands run pre-confirmed.');
  });
});

describe('maintenance config', () => {
  it('resolves target defaults and recurring windows', () => {
    const { config } = loadText(
      [
        'maintenance:',
        '  lead: 15m',
        '  announceTo: ["mattermost:ops-id"]',
        '  label: job',
        '  targets:',
        '    db: { blockDeploys: true }',
        '    web: { matchers: { service: web, env: prod }, announceTo: ["teams:19:x@thread.v2"], lead: 5m }',
        '  windows:',
        '    nightly-db: { target: db, cron: "0 2 * * *", timezone: Europe/Warsaw, duration: 1h, reason: vacuum }',
        '',
      ].join('\n'),
    );
    expect(config.maintenance).toEqual({
      targets: {
        db: { matchers: { job: 'db' }, announceTo: ['mattermost:ops-id'], blockDeploys: true, leadMs: 900_000 },
        web: { matchers: { service: 'web', env: 'prod' }, announceTo: ['teams:19:x@thread.v2'], blockDeploys: false, leadMs: 300_000 },
      },
      recurring: [{ name: 'nightly-db', target: 'db', cron: '0 2 * * *', timezone: 'Europe/Warsaw', durationMs: 3_600_000, reason: 'vacuum', leadMs: null, blockDeploys: null }],
      displayZone: 'UTC',
      alertmanager: null,
    });
  });

  it('refuses a recurring window of an unknown target or with a bad cron', () => {
    expect(errorOf('maintenance:\n  windows:\n    nightly: { target: db, cron: "0 2 * * *", duration: 1h }\n')).toContain('maintenance.windows.nightly.target: "db" is not one of maintenance.targets');
    expect(errorOf('maintenance:\n  targets:\n    db: {}\n  windows:\n    nightly: { target: db, cron: "0 25 * * *", duration: 1h }\n')).toContain('Invalid value for hour: 25');
  });

  it('the demo config has a nightly announcement and a recurring window', () => {
    const { config } = load(demoConfigPath(), {}, '/home/me/opsbot');
    expect(config.schedules['nightly-notice']).toMatchObject({ cron: '30 21 * * *', timezone: 'Europe/Warsaw', to: ['shell:local'] });
    expect(config.maintenance.recurring.map((w) => w.name)).toEqual(['nightly-demo-db']);
  });
});
