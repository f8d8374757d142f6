import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { commandRegistry } from '../../src/command-registry.js';
import { demoConfigPath } from '../../src/config/demo-path.js';
import { readEnvironment } from '../../src/config/env.js';
import { loadConfig } from '../../src/config/load.js';
import { defineCommand } from '../../src/core/command.js';
import { ConfigError } from '../../src/config/errors.js';
import { DEFAULT_REF_PATTERN } from '../../src/core/pipelines/catalog.js';
import type { OpsbotConfig } from '../../src/config/types.js';
import { defaultDeployConfig } from '../../src/config/deploy-defaults.js';
import { damaged } from '../support/mutate.js';
import { load, loadText, writeConfig } from './fixtures.js';

const DAY = 86_400_000;
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
  jobs: { timeout: 1_800_000, queueWait: 3_600_000, lockTtl: 60_000, heartbeat: 10_000, progressThrottle: 1_000, outputLimit: 65_536 },
  teams: null,
  mattermost: null,
  alerts: null,
  pipelines: {},
  services: {},
  schedules: {},
  maintenance: { targets: {}, recurring: [], displayZone: 'UTC', alertmanager: null },
  // The audit is kept forever unless the file says otherwise.
  retention: { jobs: 90 * DAY, audit: null, alerts: 90 * DAY, scheduleClaims: 30 * DAY, maintenanceWindows: 90 * DAY, scalingEvents: 90 * DAY, deadOutbox: 30 * DAY, teamsConversations: 365 * DAY, interval: 600_000 },
  ...defaultDeployConfig('/srv/opsbot', {}),
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
          viewer: { members: ['shell:guest'], allow: ['jobs:list', 'jobs:read', 'audit:read', 'locks:list', 'status:*'] },
        },
        everyone: { allow: ['help', 'whoami'] },
        channels: {
          'shell:local': { commands: ['*'] },
          'shell:guest-room': { commands: ['help', 'whoami', 'jobs', 'job'] },
        },
        defaultChannel: { commands: ['help', 'whoami'] },
      },
      schedules: {
        'nightly-notice': {
          cron: '30 21 * * *',
          timezone: 'Europe/Warsaw',
          announce: 'Tonight 02:00–03:00 (Europe/Warsaw): maintenance of demo-db. Expect short blips.',
          run: null,
          as: null,
          to: ['shell:local'],
          missed: 'skip',
          paused: false,
        },
      },
      maintenance: {
        targets: { 'demo-db': { matchers: { service: 'demo-db' }, announceTo: ['shell:local'], blockDeploys: true, leadMs: 1_800_000 } },
        recurring: [{ name: 'nightly-demo-db', target: 'demo-db', cron: '0 2 * * *', timezone: 'Europe/Warsaw', durationMs: 3_600_000, reason: 'nightly vacuum', leadMs: null, blockDeploys: null }],
        displayZone: 'Europe/Warsaw',
        alertmanager: null,
      },
      pipelines: {
        build: {
          description: 'Build the demo release',
          backend: { kind: 'jenkins', url: 'http://127.0.0.1:8081/', job: 'build', user: 'opsbot', token: 'set-JENKINS_TOKEN', refParameter: null, parameterized: true, queueTimeout: 600_000 },
          variables: {
            VERSION: { type: 'string', pattern: '^[0-9]+\\.[0-9]+\\.[0-9]+$', required: false, default: '1.0.0', description: null },
            ENV: { type: 'enum', values: ['staging', 'production'], required: false, default: 'staging', description: null },
          },
          refPattern: DEFAULT_REF_PATTERN,
          permission: null,
          pollInterval: 2_000,
          requestTimeout: 30_000,
        },
      },
      playbooks: { ...defaultDeployConfig('/home/me/opsbot', {}).playbooks, vars: { app_root: './data/demo', blue_port: 18481, green_port: 18482, live_port: 18480 } },
      stores: {
        demo: {
          env: 'dev',
          playbook: 'deploy-colour',
          limit: 'localhost',
          connection: 'local',
          vars: { serve: true },
          defaultVersion: '1.0.0',
          build: null,
          approval: { required: false },
          health: {
            targets: { blue: { kind: 'http', url: 'http://127.0.0.1:18481/health' }, green: { kind: 'http', url: 'http://127.0.0.1:18482/health' } },
            frontend: 'http://127.0.0.1:18480/health',
            expectVersion: true,
            timeout: 30_000,
            interval: 1_000,
            requestTimeout: 5_000,
          },
          traffic: { kind: 'symlink', link: '/home/me/opsbot/data/demo/live', targets: { blue: '/home/me/opsbot/data/demo/blue', green: '/home/me/opsbot/data/demo/green' } },
        },
      },
      services: {
        web: {
          description: 'The demo web containers',
          cooldown: 30_000,
          readyTimeout: 60_000,
          pollInterval: 2_000,
          defaultEnv: 'demo',
          environments: {
            demo: {
              min: 1,
              max: 6,
              orchestrator: { kind: 'compose', project: 'opsbot-demo', service: 'web', file: '/home/me/opsbot/src/config/demo/compose-web.yaml', command: 'auto', dockerHost: null, env: {} },
              orchestrators: 1,
            },
          },
        },
      },
    });
  });

  it('gives Compose the basics and Docker\'s variables of the environment, its own env over them, and no secrets', () => {
    const variables = { PATH: '/usr/bin:/bin', HOME: '/home/me', DOCKER_CONFIG: '/home/me/.docker', COMPOSE_PROFILES: 'web', MM_BOT_TOKEN: 'secret-bot-token', DATABASE_URL: 'postgres://u:p@db/opsbot' };
    const environments = load(demoConfigPath(), variables).config.services.web?.environments;
    const orchestrator = environments?.demo?.orchestrator;
    expect(orchestrator?.kind === 'compose' ? orchestrator.env : null).toEqual({ PATH: '/usr/bin:/bin', HOME: '/home/me', DOCKER_CONFIG: '/home/me/.docker', COMPOSE_PROFILES: 'web' });
    const configured = loadText(
      ['services:', '  web:', '    max: 3', '    environments:', '      prod: { compose: { project: p, service: web, env: { PATH: /opt/bin, TAG: v2 } } }', ''].join('\n'),
      { PATH: '/usr/bin', MM_BOT_TOKEN: 'secret-bot-token' },
    ).config.services.web?.environments.prod?.orchestrator;
    expect(configured?.kind === 'compose' ? configured.env : null).toEqual({ PATH: '/opt/bin', TAG: 'v2' });
  });

  it('keeps its database under OPSBOT_DATA_DIR when set', () => {
    const loaded = load(demoConfigPath(), { OPSBOT_DATA_DIR: '/var/lib/opsbot' });
    expect(loaded.config.storage).toEqual({ engine: 'sqlite', path: '/var/lib/opsbot/opsbot.db' });
    expect(loaded.secrets).toEqual(['/var/lib/opsbot']);
  });
});

describe('commands the config names', () => {
  const probe = defineCommand({ name: 'probe', summary: 'A command boot adds (tests, benchmarks).', examples: ['probe'], args: {}, permission: () => 'probe', sideEffect: 'none', run: () => ({ tone: 'info', blocks: [] }) });
  const text = 'access:\n  channels:\n    "shell:ops": { commands: [probe] }\nschedules:\n  nightly: { cron: "0 2 * * *", run: probe, as: bot }\n';

  it('are checked against the commands of the bot that runs it: opsbot\'s own by default, and those boot adds', () => {
    const file = writeConfig(text);
    expect(() => load(file)).toThrow(/commands\[0\]: "probe" is not a command/);
    const loaded = loadConfig(file, readEnvironment({}), { cwd: '/srv/opsbot', commands: commandRegistry([probe]) });
    expect(loaded.config.access.channels['shell:ops']).toEqual({ commands: ['probe'] });
    expect(loaded.config.schedules.nightly?.run).toBe('probe');
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
    expect(loaded.config.jobs).toEqual({ timeout: 7_200_000, queueWait: 3_600_000, lockTtl: 90_000, heartbeat: 15_000, progressThrottle: 250, outputLimit: 65_536 });
  });

  it('retention: durations, forever, and the audit kept forever unless the file sets it', () => {
    const loaded = loadText('retention:\n  jobs: 30d\n  alerts: forever\n  deadOutbox: 7d 12h\n  interval: 1h\n');
    expect(loaded.config.retention).toEqual({ ...DEFAULTS.retention, jobs: 30 * DAY, alerts: null, deadOutbox: 7.5 * DAY, interval: 3_600_000 });
    expect(loaded.config.retention.audit).toBeNull();
    expect(loadText('retention:\n  audit: 400d\n').config.retention.audit).toBe(400 * DAY);
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

  it('substitutes string values; of a URL from the environment, only its credentials are secret', () => {
    const loaded = loadText(postgres, { DATABASE_URL: 'postgres://opsbot:pw@db/opsbot' });
    expect(loaded.config.storage).toEqual({ engine: 'postgres', url: 'postgres://opsbot:pw@db/opsbot', poolSize: 4 });
    expect(loaded.secrets).toEqual(['opsbot:pw@', 'pw']);
  });

  it('counts the password of a PostgreSQL URL as a secret, also when the URL is written in the file', () => {
    const loaded = loadText('storage:\n  engine: postgres\n  url: "postgres://opsbot:p%40ss-word@db/opsbot"\n');
    expect(loaded.secrets).toEqual(['p%40ss-word', 'p@ss-word']);
  });

  it('types a substituted value by the schema (an integer field accepts "20"), and a number is no secret', () => {
    const loaded = loadText(postgres, { DATABASE_URL: 'postgres://db/x', POOL: '20' });
    expect(loaded.config.storage).toMatchObject({ poolSize: 20 });
    expect(loaded.secrets).toEqual([]);
  });

  it('collects each distinct secret once, longest first, and not defaults', () => {
    const loaded = loadText(
      'mattermost:\n  url: https://chat.example.com\n  botToken: ${BOT}\n  actionSecret: ${SIGN}\n  commands: { ops: "${OPS}", deploy: "${OPS}", scale: "${SCALE:-scale-token-from-the-file}" }\n',
      { BOT: 'bot-token-8k3kz9q7pf6', OPS: 'ops-token-u9x', SIGN: 'a-signing-secret-of-32-characters-x' },
    );
    expect(loaded.secrets).toEqual(['a-signing-secret-of-32-characters-x', 'bot-token-8k3kz9q7pf6', 'ops-token-u9x']);
  });

  it('keeps identities, places and links readable: members, users, paths and URLs are not secrets', () => {
    const loaded = loadText(
      [
        'access:',
        '  roles:',
        '    ops: { members: ["mattermost:${ALICE}", "teams:${ALICE}"], allow: ["*"] }',
        'pipelines:',
        '  build:',
        '    jenkins: { url: "${JENKINS_URL}", job: api-deploy, user: "${JENKINS_USER}", token: "${JENKINS_TOKEN}" }',
        '  app:',
        '    gitlab: { url: "https://${GITLAB_HOST}/", project: "1", token: "${GITLAB_TOKEN}" }',
        'stores:',
        '  shop:',
        '    health: { blue: "http://${SHOP_HOST}:8081/health?token=${HEALTH_TOKEN}", green: "http://127.0.0.1:8082/health", frontend: "http://127.0.0.1:8080/" }',
        '    traffic: { symlink: { link: "${DATA}/live", targets: { blue: ./blue, green: ./green } } }',
        '',
      ].join('\n'),
      { ALICE: 'u8k3kz9q7pf6', JENKINS_URL: 'https://ci.example.com/', JENKINS_USER: 'run', JENKINS_TOKEN: 'jenkins-api-token-1', GITLAB_HOST: 'gitlab.example.com', GITLAB_TOKEN: 'glpat-secret-2', SHOP_HOST: 'shop-1.internal', HEALTH_TOKEN: 'health-token-3', DATA: '/var/lib/opsbot' },
    );
    expect([...loaded.secrets].sort()).toEqual(['glpat-secret-2', 'health-token-3', 'jenkins-api-token-1']);
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

describe('a hand-edited config', () => {
  it('whatever one node of the demo config is changed to (or removed), it loads or is refused with a ConfigError that names the file', async () => {
    const demo = parseYaml(readFileSync(demoConfigPath(), 'utf8')) as unknown;
    await fc.assert(
      fc.asyncProperty(damaged([demo]), ({ value }) => {
        const file = writeConfig(value === undefined ? '' : stringifyYaml(value));
        try {
          load(file, {}, dirname(demoConfigPath()));
        } catch (error: unknown) {
          expect(error, String(error)).toBeInstanceOf(ConfigError);
          expect((error as Error).message).toContain(file);
        }
        return Promise.resolve();
      }),
      { numRuns: 300 },
    );
  });
});
