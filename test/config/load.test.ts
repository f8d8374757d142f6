import { describe, expect, it } from 'vitest';
import { demoConfigPath } from '../../src/config/demo-path.js';
import type { OpsbotConfig } from '../../src/config/types.js';
import { load, loadText, writeConfig } from './fixtures.js';

const DEFAULTS: OpsbotConfig = {
  storage: { engine: 'sqlite', path: '/srv/opsbot/data/opsbot.db' },
  server: { port: 8080, host: '127.0.0.1', shutdownGrace: 30_000 },
  log: { level: 'info' },
  access: {
    roles: {},
    everyone: { allow: ['help', 'whoami'] },
    channels: {},
    defaultChannel: { commands: ['help', 'whoami'] },
  },
  jobs: { timeout: 1_800_000, lockTtl: 60_000, heartbeat: 10_000, progressThrottle: 1_000, outputLimit: 65_536 },
};

describe('the demo config', () => {
  it('loads', () => {
    const loaded = load(demoConfigPath(), {}, '/home/me/opsbot');
    expect(loaded.file).toBe(demoConfigPath());
    expect(loaded.secrets).toEqual([]);
    expect(loaded.config).toEqual({
      ...DEFAULTS,
      storage: { engine: 'sqlite', path: '/home/me/opsbot/data/opsbot.db' },
      access: {
        roles: {
          operator: { members: ['shell:local'], allow: ['*'] },
          viewer: { members: ['shell:guest'], allow: ['jobs:list', 'jobs:read', 'audit:read', 'locks:list'] },
        },
        everyone: { allow: ['help', 'whoami'] },
        channels: {
          'shell:local': { commands: ['*'] },
          'shell:guest-room': { commands: ['help', 'whoami', 'jobs', 'job'] },
        },
        defaultChannel: { commands: ['help', 'whoami'] },
      },
    });
  });

  it('keeps its database under OPSBOT_DATA_DIR when set', () => {
    const loaded = load(demoConfigPath(), { OPSBOT_DATA_DIR: '/var/lib/opsbot' });
    expect(loaded.config.storage).toEqual({ engine: 'sqlite', path: '/var/lib/opsbot/opsbot.db' });
    expect(loaded.secrets).toEqual(['/var/lib/opsbot']);
  });
});

describe('defaults', () => {
  it('fill an empty file', () => {
    expect(loadText('').config).toEqual(DEFAULTS);
    expect(loadText('# nothing yet\n').config).toEqual(DEFAULTS);
  });

  it('fill sections left empty or partly written', () => {
    const loaded = loadText('storage:\nserver:\n  port: 9000\naccess:\n  roles:\n    # ops: ...\njobs: {}\n');
    expect(loaded.config).toEqual({ ...DEFAULTS, server: { ...DEFAULTS.server, port: 9000 } });
  });

  it('put the default database under OPSBOT_DATA_DIR', () => {
    expect(loadText('', { OPSBOT_DATA_DIR: '/var/lib/opsbot' }).config.storage).toEqual({ engine: 'sqlite', path: '/var/lib/opsbot/opsbot.db' });
    expect(loadText('', { OPSBOT_DATA_DIR: 'state' }).config.storage).toEqual({ engine: 'sqlite', path: '/srv/opsbot/state/opsbot.db' });
  });

  it('fill postgres poolSize', () => {
    expect(loadText('storage: { engine: postgres, url: "postgres://db/opsbot" }').config.storage).toEqual({
      engine: 'postgres',
      url: 'postgres://db/opsbot',
      poolSize: 10,
    });
  });
});

describe('conversions', () => {
  it('turns durations into milliseconds, accepting integer milliseconds too', () => {
    const loaded = loadText('server: { shutdownGrace: 1h30m }\njobs:\n  timeout: 2h\n  lockTtl: 90000\n  heartbeat: 15s\n  progressThrottle: 250ms\n');
    expect(loaded.config.server.shutdownGrace).toBe(5_400_000);
    expect(loaded.config.jobs).toEqual({ timeout: 7_200_000, lockTtl: 90_000, heartbeat: 15_000, progressThrottle: 250, outputLimit: 65_536 });
  });

  it('resolves relative sqlite paths against the working directory and keeps :memory:', () => {
    expect(loadText('storage: { engine: sqlite, path: db/x.db }').config.storage).toEqual({ engine: 'sqlite', path: '/srv/opsbot/db/x.db' });
    expect(loadText('storage: { engine: sqlite, path: /abs/x.db }').config.storage).toEqual({ engine: 'sqlite', path: '/abs/x.db' });
    expect(loadText('storage: { engine: sqlite, path: ":memory:" }').config.storage).toEqual({ engine: 'sqlite', path: ':memory:' });
  });

  it('resolves a relative config path against the working directory', () => {
    const file = writeConfig('log: { level: warn }\n');
    const dir = file.slice(0, -'/opsbot.yaml'.length);
    const loaded = load('opsbot.yaml', {}, dir);
    expect(loaded.file).toBe(file);
    expect(loaded.config.log.level).toBe('warn');
  });
});

describe('${VAR} substitution', () => {
  const postgres = 'storage:\n  engine: postgres\n  url: ${DATABASE_URL}\n  poolSize: ${POOL:-4}\n';

  it('substitutes string values and collects the substituted values as secrets', () => {
    const loaded = loadText(postgres, { DATABASE_URL: 'postgres://opsbot:pw@db/opsbot' });
    expect(loaded.config.storage).toEqual({ engine: 'postgres', url: 'postgres://opsbot:pw@db/opsbot', poolSize: 4 });
    expect(loaded.secrets).toEqual(['postgres://opsbot:pw@db/opsbot']);
  });

  it('types a substituted value by the schema (an integer field accepts "20")', () => {
    const loaded = loadText(postgres, { DATABASE_URL: 'postgres://db/x', POOL: '20' });
    expect(loaded.config.storage).toMatchObject({ poolSize: 20 });
    expect(loaded.secrets).toEqual(['postgres://db/x', '20']);
  });

  it('collects each distinct non-empty value once, longest first, and not defaults', () => {
    const loaded = loadText(
      'access:\n  roles:\n    ops:\n      members: ["mattermost:${ALICE}", "mattermost:${BOB}", "teams:${ALICE}", "shell:${LOCAL:-local}"]\n      allow: ["*"]\n',
      { ALICE: 'u8k3kz9q7pf6', BOB: 'u9' },
    );
    expect(loaded.config.access.roles.ops?.members).toEqual(['mattermost:u8k3kz9q7pf6', 'mattermost:u9', 'teams:u8k3kz9q7pf6', 'shell:local']);
    expect(loaded.secrets).toEqual(['u8k3kz9q7pf6', 'u9']);
  });

  it('never turns a substituted value into YAML structure', () => {
    const loaded = loadText('server:\n  host: ${H}\n', { H: 'x\nport: 1' });
    expect(loaded.config.server).toMatchObject({ host: 'x\nport: 1', port: 8080 });
  });

  it('substitutes through aliases once', () => {
    const loaded = loadText(
      'access:\n  everyone: { allow: &base ["${P}"] }\n  roles:\n    ops: { members: ["shell:local"], allow: *base }\n',
      { P: 'jobs:list' },
    );
    expect(loaded.config.access.roles.ops?.allow).toEqual(['jobs:list']);
    expect(loaded.config.access.everyone.allow).toEqual(['jobs:list']);
  });
});

describe('environment overrides', () => {
  it('PORT, HOST and LOG_LEVEL win over the file', () => {
    const loaded = loadText('server: { port: 8080, host: 127.0.0.1 }\nlog: { level: info }\n', { PORT: '3000', HOST: '0.0.0.0', LOG_LEVEL: 'debug' });
    expect(loaded.config.server).toEqual({ port: 3000, host: '0.0.0.0', shutdownGrace: 30_000 });
    expect(loaded.config.log).toEqual({ level: 'debug' });
  });

  it('apply when the file has no such section', () => {
    expect(loadText('', { PORT: '3000' }).config.server.port).toBe(3000);
  });

  it('do not make the values secrets', () => {
    expect(loadText('', { PORT: '3000', HOST: 'h' }).secrets).toEqual([]);
  });
});
