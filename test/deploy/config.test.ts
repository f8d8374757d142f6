/** The deploy sections of the config and the playbook catalog: defaults, paths, and boot-time errors. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { demoConfigPath } from '../../src/config/demo-path.js';
import { loadConfig } from '../../src/config/load.js';
import { readEnvironment } from '../../src/config/env.js';
import { loadTestConfig } from './support/playbooks.js';
import { removeDir, tempDir } from './support/servers.js';
import { repoRoot } from '../support/shared.js';

let dir: string;
beforeEach(() => {
  dir = tempDir('opsbot-config-');
});
afterEach(() => removeDir(dir));

function errorOf(yaml: string, env: Record<string, string> = {}): string {
  try {
    loadTestConfig(dir, yaml, { PATH: '/usr/bin', ...env });
  } catch (error) {
    if (error instanceof ConfigError) return error.message.replaceAll(dir, '<dir>');
    throw error;
  }
  throw new Error('expected a ConfigError');
}

function writeCatalog(text: string): void {
  mkdirSync(join(dir, 'pb', 'inventories'), { recursive: true });
  writeFileSync(join(dir, 'pb', 'site.yml'), '- hosts: all\n');
  writeFileSync(join(dir, 'pb', 'inventories', 'hosts.ini'), 'web1\n');
  writeFileSync(join(dir, 'pb', 'catalog.yaml'), text);
}

const STORE = `
stores:
  shop:
    health: { blue: "http://10.0.0.1/health", green: "http://10.0.0.2/health", frontend: "https://shop.example.com/" }
    traffic: { haproxy: { socket: /run/haproxy.sock, backend: be } }
`;

describe('deploy config', () => {
  it('loads the shipped catalog by default and fills store defaults, paths resolved against the cwd', () => {
    const { config } = loadTestConfig(dir, `${STORE}\nplaybooks:\n  vars: { app_root: ./app }\n  ansible: { passEnv: [PATH, HOME] }\n`, { PATH: '/usr/bin', HOME: '/root', SECRET: 'no' });
    expect(config.playbooks.catalog.file).toBe(join(repoRoot, 'playbooks', 'catalog.yaml'));
    expect(Object.keys(config.playbooks.catalog.playbooks)).toEqual(['deploy-colour', 'health', 'maintenance', 'backup', 'scale-replicas', 'scale-replicas-status']);
    expect(config.playbooks.catalog.playbooks.backup?.vars.label).toEqual({ type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,31}$', maxLength: 32, required: false, default: 'manual', description: 'A word added to the archive name.' });
    expect(config.playbooks.ansible.env).toEqual({ PATH: '/usr/bin', HOME: '/root' });
    expect(config.playbooks.ansible.workdir).toBe(dir);
    expect(config.stores.shop).toMatchObject({ env: 'dev', playbook: 'deploy-colour', limit: null, approval: { required: false }, traffic: { kind: 'haproxy', socket: '/run/haproxy.sock', backend: 'be', servers: { blue: 'blue', green: 'green' }, idleState: 'maint' } });
    expect(config.stores.shop?.health).toMatchObject({ timeout: 60_000, interval: 1_000, requestTimeout: 5_000, expectVersion: false });
  });

  it('the demo config has a demo store that deploys locally', () => {
    const { config } = loadConfig(demoConfigPath(), readEnvironment({}), { cwd: dir });
    expect(config.stores.demo).toMatchObject({ connection: 'local', limit: 'localhost', defaultVersion: '1.0.0', traffic: { kind: 'symlink', link: join(dir, 'data', 'demo', 'live') } });
  });

  it('names the catalog file, line and path of a catalog problem', () => {
    writeCatalog(`inventories:
  hosts: { file: inventories/hosts.ini, hosts: [web1] }
playbooks:
  site:
    file: site.yml
    description: site
    inventory: nowhere
    vars:
      ansible_become: { type: boolean, description: x }
      name: { type: string, pattern: "[a-z]+", description: x }
  escape:
    file: ../../etc/passwd
    description: x
    inventory: hosts
`);
    const message = errorOf('playbooks:\n  catalog: pb/catalog.yaml\n');
    expect(message).toContain('<dir>/pb/catalog.yaml:9:7 playbooks.site.vars.ansible_become: "ansible_become" is not a variable name (lowercase identifier, not ansible_*)');
    expect(message).toContain('<dir>/pb/catalog.yaml:10:38 playbooks.site.vars.name.pattern: "[a-z]+" must be an anchored regular expression (^…$)');
    expect(message).toContain('<dir>/pb/catalog.yaml:12:11 playbooks.escape.file: "../../etc/passwd" must be a path inside the playbooks directory');
  });

  it('checks catalog references and files once the schema passes', () => {
    writeCatalog(`inventories:
  hosts: { file: inventories/hosts.ini, hosts: [web1] }
playbooks:
  site:
    file: missing.yml
    description: site
    inventory: nowhere
    vars:
      keep: { type: integer, min: 5, max: 1, description: x }
`);
    const message = errorOf('playbooks:\n  catalog: pb/catalog.yaml\n');
    expect(message).toContain('playbooks.site.inventory: unknown inventory "nowhere" (inventories: hosts)');
    expect(message).toContain('playbooks.site.file: file not found in <dir>/pb');
    expect(message).toContain('playbooks.site.vars.keep.min: must not be greater than max');
  });

  it('accepts exactly one traffic switch per store', () => {
    const message = errorOf(`
ssh: { knownHosts: ./kh, privateKey: ./key, hosts: { web1: { address: 10.0.0.1 } }, commands: { probe: [curl, -fsS, "http://localhost/health"] } }
stores:
  shop:
    playbook: backup
    limit: web9
    vars: { version: "1" }
    health:
      blue: { ssh: { host: web2, command: probe } }
      green: { ssh: { host: web1, command: nope } }
      frontend: https://shop.example.com/
    traffic: { symlink: { link: ./live, targets: { blue: ./b, green: ./g } }, haproxy: { socket: /s, backend: be } }
`);
    expect(message).toBe('<dir>/opsbot.yaml:12:14 stores.shop.traffic: needs exactly one of haproxy, nginx or symlink, not several (has symlink and haproxy)');
    expect(errorOf(`${STORE.replace(/traffic: .*/, 'traffic: {}')}`)).toBe('<dir>/opsbot.yaml:5:14 stores.shop.traffic: needs exactly one of haproxy, nginx or symlink');
  });

  it('reports cross-section problems once the sections are valid', () => {
    const message = errorOf(`
ssh: { knownHosts: ./kh, privateKey: ./key, hosts: { web1: { address: 10.0.0.1 } }, commands: { probe: [curl, -fsS, "http://localhost/health"] } }
stores:
  shop:
    playbook: backup
    limit: web9
    vars: { version: "1" }
    health:
      blue: { ssh: { host: web2, command: probe } }
      green: { ssh: { host: web1, command: nope } }
      frontend: https://shop.example.com/
    traffic: { symlink: { link: ./live, targets: { blue: ./b, green: ./g } } }
`);
    expect(message).toContain('stores.shop.vars.version: is set by each deploy');
    expect(message).toContain('stores.shop.playbook: playbook backup must declare the variable colour to deploy a colour');
    expect(message).toContain('stores.shop.limit: is not a host of inventory local (hosts: localhost)');
    expect(message).toContain('stores.shop.health.blue.ssh.host: is not a host in ssh.hosts');
    expect(message).toContain('stores.shop.health.green.ssh.command: is not a command in ssh.commands');
    expect(message).toContain('<dir>/opsbot.yaml:6:12 stores.shop.limit: is not a host of inventory local (hosts: localhost)');
  });

  it('refuses a build step the deploy could never run: no such pipeline, no VERSION, variables the pipeline refuses', () => {
    const shop = (build: string): string => `${STORE}    build: ${build}\n`;
    const jenkins = '{ url: "https://ci.example.com/", job: shop, user: opsbot, token: t }';
    expect(errorOf(shop('{ pipeline: shop-buld }') + `pipelines:\n  shop-build:\n    jenkins: ${jenkins}\n    variables: { VERSION: { type: string } }\n`)).toBe(
      '<dir>/opsbot.yaml:6:24 stores.shop.build.pipeline: there is no pipeline "shop-buld" in pipelines (pipelines: shop-build); did you mean "shop-build"?',
    );
    expect(errorOf(shop('{ pipeline: shop-build }'))).toBe('<dir>/opsbot.yaml:6:24 stores.shop.build.pipeline: there is no pipeline "shop-build" in pipelines (no pipelines are configured)');
    const pipeline = `pipelines:\n  shop-build:\n    jenkins: ${jenkins}\n    variables:\n      TARGET: { type: enum, values: [pl, de] }\n      REGION: { type: string, required: true }\n`;
    expect(errorOf(shop('{ pipeline: shop-build, variables: { TARGET: fr, TAGRET: pl } }') + pipeline)).toBe(
      [
        '<dir>/opsbot.yaml:6:24 stores.shop.build.pipeline: pipeline "shop-build" must declare the variable VERSION (pipelines.shop-build.variables), which each deploy passes',
        '<dir>/opsbot.yaml:6:47 stores.shop.build.variables: must set REGION: pipeline "shop-build" requires it',
        '<dir>/opsbot.yaml:6:57 stores.shop.build.variables.TARGET: "fr" is not a valid TARGET: use one of pl, de.',
        '<dir>/opsbot.yaml:6:69 stores.shop.build.variables.TAGRET: is not a variable of pipeline "shop-build" (variables: TARGET, REGION); did you mean "TARGET"?',
      ].join('\n'),
    );
    const valid = `pipelines:\n  shop-build:\n    jenkins: ${jenkins}\n    variables: { VERSION: { type: string }, TARGET: { type: enum, values: [pl, de], required: true } }\n`;
    expect(loadTestConfig(dir, shop('{ pipeline: shop-build, variables: { TARGET: pl } }') + valid, { PATH: '/usr/bin' }).config.stores.shop?.build).toEqual({ pipeline: 'shop-build', variables: { TARGET: 'pl' } });
  });

  it('refuses a vault password variable that is not set, and ssh hosts without pinned keys', () => {
    expect(errorOf('playbooks:\n  ansible:\n    vault: { passwordEnv: OPSBOT_VAULT }\n')).toContain('environment OPSBOT_VAULT: is not set, but playbooks.ansible.vault.passwordEnv names it');
    expect(errorOf('ssh:\n  hosts: { web1: { address: 10.0.0.1 } }\n')).toContain('ssh.knownHosts: is required when hosts are configured (host keys are pinned)');
  });
});
