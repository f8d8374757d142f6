import { SECTION_NAMES } from '../../src/config/schema/index.js';
/**
 * The exact text of config errors: `<file>:<line>:<col> <path>: <reason>`. These messages are the
 * user interface of a failed boot, so they are pinned here word for word.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readEnvironment } from '../../src/config/env.js';
import { commandRegistry } from '../../src/command-registry.js';
import { ConfigError, formatProblem } from '../../src/config/errors.js';
import { loadConfig } from '../../src/config/load.js';
import { errorOf, loadText, tempDir, writeConfig } from './fixtures.js';

describe('schema errors name file, line:col, path and reason', () => {
  it('unknown key, with the keys allowed there', () => {
    expect(errorOf('access:\n  roles:\n    operator:\n      membrs: ["shell:local"]\n      allow: ["*"]\n')).toBe(
      'opsbot.yaml:3:5 access.roles.operator: missing required key "members"\n' +
        'opsbot.yaml:4:7 access.roles.operator: unknown key "membrs" (allowed: members, allow)',
    );
  });

  it('unknown section', () => {
    expect(errorOf('log: { level: info }\nstorag:\n  engine: sqlite\n')).toBe(
      `opsbot.yaml:2:1 unknown key "storag" (allowed: ${SECTION_NAMES.join(', ')})`,
    );
  });

  it('bad enum value', () => {
    expect(errorOf('log:\n  level: verbose\n')).toBe('opsbot.yaml:2:10 log.level: must be one of trace, debug, info, warn, error, fatal');
    expect(errorOf('storage:\n  engine: mysql\n')).toBe('opsbot.yaml:2:11 storage.engine: must be one of sqlite, postgres');
  });

  it('keys that belong to the other storage engine, and its missing required key', () => {
    expect(errorOf('storage:\n  engine: postgres\n  path: x.db\n')).toBe(
      'opsbot.yaml:1:1 storage: missing required key "url"\n' +
        'opsbot.yaml:3:3 storage: unknown key "path" (allowed: engine, url, poolSize)',
    );
    expect(errorOf('storage:\n  path: x.db\n')).toBe('opsbot.yaml:1:1 storage: missing required key "engine" (one of sqlite, postgres)');
  });

  it('bad member strings, one line each', () => {
    expect(errorOf('access:\n  roles:\n    operator:\n      members: [alice, "slack:U1", "group:"]\n      allow: []\n')).toBe(
      [
        'opsbot.yaml:4:17 access.roles.operator.members[0]: "alice" is not a member (use <platform>:<id> with platform mattermost, teams, shell or schedule, or group:<name>)',
        'opsbot.yaml:4:24 access.roles.operator.members[1]: "slack:U1" is not a member (use <platform>:<id> with platform mattermost, teams, shell or schedule, or group:<name>)',
        'opsbot.yaml:4:36 access.roles.operator.members[2]: "group:" is not a member (use <platform>:<id> with platform mattermost, teams, shell or schedule, or group:<name>)',
      ].join('\n'),
    );
  });

  it('members written as a display name, which would match nobody, with how to find the stable id', () => {
    expect(errorOf('access:\n  roles:\n    operator:\n      members: ["mattermost:@olga", "teams:@Oscar", "mattermost:8x7k3kz9q7pf6y4wq1mzbd5tgca"]\n      allow: ["*"]\n')).toBe(
      [
        'opsbot.yaml:4:17 access.roles.operator.members[0]: "mattermost:@olga" is a display name, not a stable id; use the user id (26 lowercase letters and digits) as mattermost:<id>: `whoami` shows it to that person, and Mattermost\'s GET /api/v4/users/username/olga returns it as "id"',
        'opsbot.yaml:4:37 access.roles.operator.members[1]: "teams:@Oscar" is a display name, not a stable id; use the Azure AD object id (lowercase) as teams:<object id>: `whoami` shows it to that person',
      ].join('\n'),
    );
  });

  it('bad permission patterns', () => {
    expect(errorOf('access:\n  everyone:\n    allow:\n      - deploy::x\n      - Deploy\n      - "deploy:"\n')).toBe(
      [
        'opsbot.yaml:4:9 access.everyone.allow[0]: "deploy::x" is not a permission pattern (use domain:action[:scope] with * wildcards, e.g. deploy:store-*)',
        'opsbot.yaml:5:9 access.everyone.allow[1]: "Deploy" is not a permission pattern (use domain:action[:scope] with * wildcards, e.g. deploy:store-*)',
        'opsbot.yaml:6:9 access.everyone.allow[2]: "deploy:" is not a permission pattern (use domain:action[:scope] with * wildcards, e.g. deploy:store-*)',
      ].join('\n'),
    );
  });

  it('bad role names and channel keys point at the key', () => {
    expect(errorOf('access:\n  roles:\n    Ops Team: { members: [], allow: [] }\n  channels:\n    general: { commands: [Deploy] }\n')).toBe(
      [
        'opsbot.yaml:3:5 access.roles: "Ops Team" is not a role name (use lowercase letters, digits, - and _, starting with a letter)',
        'opsbot.yaml:5:5 access.channels: "general" is not a conversation (use <platform>:<conversation id> with platform mattermost, teams, shell or schedule)',
        'opsbot.yaml:5:27 access.channels.general.commands[0]: "Deploy" is not a command name (use lowercase letters, digits and -, or * for all)',
      ].join('\n'),
    );
  });

  it('quotes keys that are not plain words in paths', () => {
    expect(errorOf('access:\n  channels:\n    "shell:local": { commands: [x, "a b"] }\n')).toBe(
      'opsbot.yaml:3:36 access.channels["shell:local"].commands[1]: "a b" is not a command name (use lowercase letters, digits and -, or * for all)',
    );
  });

  it('channel bindings that name no command, with a did-you-mean, or a command by an alias, which would allow nothing', () => {
    expect(errorOf('access:\n  channels:\n    "shell:local": { commands: [deplyo, freeze, "*", lock] }\n  defaultChannel:\n    commands: [help, zzz]\n')).toBe(
      [
        'opsbot.yaml:3:33 access.channels["shell:local"].commands[0]: "deplyo" is not a command; did you mean "deploy"?',
        'opsbot.yaml:3:41 access.channels["shell:local"].commands[1]: "freeze" is another name of "lock": a binding lists commands by name, so write "lock"',
        `opsbot.yaml:5:22 access.defaultChannel.commands[1]: "zzz" is not a command (commands: ${commandRegistry().all().map((c) => c.name).join(', ')})`,
      ].join('\n'),
    );
  });

  it('a mapping that takes exactly one of its keys names them, for none and for several', () => {
    expect(errorOf('alerts:\n  sources:\n    generic: { bearer: "${TOKEN}", allowUnauthenticated: true }\n', { TOKEN: 'abcdefabcdefabcdefabcdef' })).toBe(
      'opsbot.yaml:3:14 alerts.sources.generic: needs exactly one of bearer, basic, hmac or allowUnauthenticated, not several (has bearer and allowUnauthenticated)',
    );
    expect(errorOf('playbooks:\n  ansible:\n    vault: {}\n')).toBe('opsbot.yaml:3:12 playbooks.ansible.vault: needs exactly one of passwordFile or passwordEnv');
  });

  it('bad duration', () => {
    expect(errorOf('jobs:\n  timeout: 5 minutes\n  heartbeat: [1]\n')).toBe(
      'opsbot.yaml:2:12 jobs.timeout: "5 minutes" is not a duration (use e.g. 90s, 5m, 2h)\n' +
        'opsbot.yaml:3:14 jobs.heartbeat: must be a string or a whole number (got a list)',
    );
  });

  it('retention ages: a duration or forever, at least a day', () => {
    expect(errorOf('retention:\n  jobs: always\n')).toBe('opsbot.yaml:2:9 retention.jobs: "always" is not a duration or forever (use e.g. 30d, 90d, forever)');
    expect(errorOf('retention:\n  audit: 2h\n  interval: 10s\n')).toBe(
      'opsbot.yaml:2:10 retention.audit: must be at least 1d, or forever\n' + 'opsbot.yaml:3:13 retention.interval: must be at least 1m',
    );
  });

  it('alerts.tickets.reopenWithin no longer than retention.alerts, which would delete the ticket to reopen first', () => {
    const config = (reopenWithin: string, alerts: string): string =>
      'alerts:\n  sources:\n    alertmanager: { bearer: tok }\n  tickets:\n    gitlab: { url: "https://gitlab.example.com", token: t, project: ops/alerts }\n' +
      `    rules: [{}]\n    reopenWithin: ${reopenWithin}\nretention:\n  alerts: ${alerts}\n`;
    expect(errorOf(config('120d', '90d'))).toBe(
      'opsbot.yaml:7:19 alerts.tickets.reopenWithin: 120d is longer than retention.alerts (90d), which deletes a resolved ticket that long after it resolved: ' +
        'an alert firing again later would open a new issue instead of reopening it. Shorten alerts.tickets.reopenWithin or lengthen retention.alerts',
    );
    expect(loadText(config('90d', '90d')).config.alerts?.tickets?.reopenWithin).toBe(90 * 86_400_000);
    expect(loadText(config('400d', 'forever')).config.retention.alerts).toBeNull();
  });

  it('wrong types and out-of-range numbers', () => {
    expect(errorOf('server:\n  port: abc\n  host: ""\njobs:\n  outputLimit: 10\n')).toBe(
      'opsbot.yaml:2:9 server.port: must be a whole number (got "abc")\n' +
        'opsbot.yaml:3:9 server.host: must not be empty\n' +
        'opsbot.yaml:5:16 jobs.outputLimit: must be at least 1024',
    );
    expect(errorOf('server:\n  port: 99999\n')).toBe('opsbot.yaml:2:9 server.port: must be at most 65535');
    expect(errorOf('server: [1, 2]\n')).toBe('opsbot.yaml:1:9 server: must be a mapping (got a list)');
    expect(errorOf('- storage\n')).toBe('opsbot.yaml:1:1 must be a mapping (got a list)');
  });

  it('a required key written with no value', () => {
    expect(errorOf('access:\n  roles:\n    ops:\n      members:\n      allow: ["*"]\n')).toBe(
      'opsbot.yaml:4:7 access.roles.ops: "members" has no value',
    );
  });

  it('cross-field checks', () => {
    expect(errorOf('jobs:\n  lockTtl: 30s\n  heartbeat: 1m\n')).toBe('opsbot.yaml:3:14 jobs.heartbeat: must be shorter than lockTtl (30s)');
    expect(errorOf('jobs:\n  timeout: 0\n')).toBe('opsbot.yaml:2:12 jobs.timeout: must be longer than 0s');
    // Defaults have no line of their own: the problem points at the nearest thing written.
    expect(errorOf('jobs:\n  lockTtl: 5s\n')).toBe('opsbot.yaml:2:3 jobs.heartbeat: must be shorter than lockTtl (5s)');
  });
});

describe('substitution errors', () => {
  it('a missing variable names the variable and the path', () => {
    expect(errorOf('storage:\n  engine: postgres\n  url: ${DATABASE_URL}\n')).toBe(
      'opsbot.yaml:3:8 storage.url: environment variable DATABASE_URL is not set (write ${DATABASE_URL:-default} to make it optional)',
    );
  });

  it('a malformed reference', () => {
    expect(errorOf('server:\n  host: ${BAD NAME}\n')).toBe(
      'opsbot.yaml:2:9 server.host: "${BAD NAME}" is not a variable reference (use ${NAME} or ${NAME:-default})',
    );
  });

  it('a reference in a key', () => {
    expect(errorOf('access:\n  channels:\n    "mattermost:${CH}": { commands: ["*"] }\n', { CH: 'x' })).toBe(
      'opsbot.yaml:3:5 access.channels["mattermost:${CH}"]: variables are substituted in values only, not in keys',
    );
  });

  it('never repeats a substituted value, which may be a secret', () => {
    const message = errorOf('storage:\n  engine: postgres\n  url: ${DATABASE_URL}\n', { DATABASE_URL: 'mysql://root:hunter2@db' });
    expect(message).toBe(
      'opsbot.yaml:3:8 storage.url: the value from ${DATABASE_URL} is not a PostgreSQL URL (use postgres://user:password@host:5432/database)',
    );
    expect(message).not.toContain('hunter2');
  });
});

describe('YAML errors name file and line:col', () => {
  it('syntax error', () => {
    expect(errorOf('server:\n  port: 8080\n   host: x\n')).toBe('opsbot.yaml:2:9 invalid YAML: Nested mappings are not allowed in compact mappings');
    expect(errorOf('server:\n\thost: x\n')).toBe('opsbot.yaml:2:1 invalid YAML: Tabs are not allowed as indentation');
    expect(errorOf('log: { level: "info }\n')).toBe('opsbot.yaml:2:1 invalid YAML: Missing closing "quote');
  });

  it('duplicate key', () => {
    expect(errorOf('server:\n  port: 1\n  port: 2\n')).toBe('opsbot.yaml:3:3 invalid YAML: Map keys must be unique');
  });

  it('a bare * with a hint', () => {
    expect(errorOf('access:\n  roles:\n    ops: { members: ["shell:a"], allow: [*] }\n')).toBe(
      'opsbot.yaml:3:42 invalid YAML: Alias cannot be an empty string (write "*" in quotes: a bare * starts a YAML alias)',
    );
  });

  it('${VAR} inside a flow mapping, with a hint', () => {
    expect(errorOf('storage: { engine: postgres, url: ${X} }\n')).toBe(
      'opsbot.yaml:1:36 invalid YAML: Unexpected flow-map-start at node end (quote "${...}" values inside { } or [ ])',
    );
  });

  it('unknown alias and unknown tag', () => {
    expect(errorOf('server:\n  host: *nope\n')).toBe(
      'opsbot.yaml:2:9 invalid YAML: unknown alias *nope (no &nope anchor before it; write "*..." in quotes for a literal)',
    );
    expect(errorOf('server:\n  host: !vault x\n')).toBe('opsbot.yaml:2:9 invalid YAML: Unresolved tag: !vault');
  });
});

describe('file errors', () => {
  it('a missing file says so', () => {
    const file = join(tempDir(), 'nope.yaml');
    expect(() => loadConfig(file, readEnvironment({}))).toThrow(new ConfigError([{ source: file, path: '', reason: 'config file not found' }]));
    expect(() => loadConfig(file, readEnvironment({}))).toThrow(`${file}: config file not found`);
  });

  it('a directory says so', () => {
    const dir = tempDir();
    expect(() => loadConfig(dir, readEnvironment({}))).toThrow(`${dir}: is a directory, not a config file`);
  });

  it('carries the problems as data', () => {
    const file = writeConfig('log: { level: loud }\n');
    let caught: unknown;
    try {
      loadConfig(file, readEnvironment({}));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const problems = (caught as ConfigError).problems;
    expect(problems).toEqual([{ source: file, line: 1, col: 15, path: 'log.level', reason: 'must be one of trace, debug, info, warn, error, fatal' }]);
    expect(problems.map(formatProblem)).toEqual([(caught as ConfigError).message]);
  });
});
