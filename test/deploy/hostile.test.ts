/**
 * Hostile arguments are refused before any process starts: every deploy port is wrapped in a spy,
 * and after each attempt no playbook ran, nothing was synced, switched, built or executed over SSH,
 * and no ansible-playbook process exists.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeployPorts } from '../../src/core/deploy/ports.js';
import { ACCESS, startDeployApp, textOf, type DeployApp } from './support/app.js';
import { writePlaybookDir } from './support/playbooks.js';
import { childrenMatching, removeDir, tempDir } from './support/servers.js';

let dir: string;
let bot: DeployApp;
const calls: string[] = [];

/** Records every call that could start a process or change something. */
function spy(ports: DeployPorts): DeployPorts {
  const note = <T>(name: string, fn: () => T): T => {
    calls.push(name);
    return fn();
  };
  return {
    ...ports,
    playbooks: { ...ports.playbooks, catalog: () => ports.playbooks.catalog(), get: (id) => ports.playbooks.get(id), inventory: (id) => ports.playbooks.inventory(id), run: (r) => note('playbooks.run', () => ports.playbooks.run(r)) },
    repo: { sync: (s) => note('repo.sync', () => ports.repo.sync(s)) },
    traffic: { live: (st, s) => note('traffic.live', () => ports.traffic.live(st, s)), switchTo: (st, c, s) => note('traffic.switchTo', () => ports.traffic.switchTo(st, c, s)) },
    remote: { ...ports.remote, hosts: () => ports.remote.hosts(), commands: () => ports.remote.commands(), run: (h, c, s) => note('remote.run', () => ports.remote.run(h, c, s)) },
    build: { run: (p, v, o) => note('build.run', () => ports.build.run(p, v, o)) },
  };
}

beforeAll(async () => {
  dir = tempDir('opsbot-hostile-');
  mkdirSync(join(dir, 'playbooks'));
  const catalog = writePlaybookDir(join(dir, 'playbooks'));
  // Playbooks that scale a service (services.<name>.environments.<env>.ansible) and read its counts.
  appendFileSync(
    catalog,
    `
  scale-web:
    file: fail.yml
    description: scales web (takes the count, as a hand-written scale playbook might)
    inventory: local
    vars:
      replicas: { type: integer, min: 0, max: 500, required: true, description: replicas }
  scale-web-status:
    file: fail.yml
    description: reads web's counts
    inventory: local
`,
  );
  bot = await startDeployApp(
    dir,
    `
storage: { engine: sqlite, path: ./opsbot.db }
${ACCESS}
playbooks:
  catalog: playbooks/test-catalog.yaml
stores:
  shop:
    health: { blue: "http://127.0.0.1:9/health", green: "http://127.0.0.1:9/health", frontend: "http://127.0.0.1:9/" }
    traffic: { haproxy: { socket: ./nowhere.sock, backend: be } }
services:
  web:
    max: 3
    environments:
      prod: { ansible: { playbook: scale-web, statusPlaybook: scale-web-status, limit: localhost } }
      staging: { ansible: { playbook: scale-web } }
`,
    { wrap: spy },
  );
});

afterAll(async () => {
  await bot.close();
  removeDir(dir);
});

const HOSTILE: [string, RegExp][] = [
  ["deploy shop '; rm -rf /'", /not a valid colour/],
  ["deploy '; rm -rf /' blue", /not a valid store/],
  ['deploy shop blue --version \'$(id)\'', /not a valid version/],
  ['deploy shop blue --version `id`', /not a valid version/],
  ["deploy shop blue --version 1.0 --extra-vars='{\"x\":1}'", /Unknown option `--extra-vars`/],
  ['deploy shop blue -e x=1', /Unknown option `-e`/],
  ['deploy shop blue --version "1.0\nid"', /control characters/],
  ['deploy shop blue --version 1.0\nid', /Unexpected argument `id`/],
  ['deploy ../etc blue', /not a valid store/],
  ['deploy shop purple', /not a valid colour/],
  ['deploy shop blue --version ../../x', /not a valid version/],
  ['deploy shop blue --version -rf', /./],
  ['deploy nosuch blue --version 1.0', /There is no store `nosuch` \(stores: shop\)/],
  ['rollback \'$(id)\'', /not a valid store/],
  ['rollback nosuch', /There is no store `nosuch`/],
  ['status ../x', /not a valid store/],
  ["run '../../etc/passwd'", /not a valid playbook/],
  ['run /etc/passwd', /not a valid playbook/],
  ['run nosuch', /`nosuch` is not in the playbook catalog/],
  ["run backup label='; rm -rf /'", /is not a valid label/],
  ['run backup label=$(id)', /is not a valid label/],
  ['run backup label=../x', /is not a valid label/],
  ['run backup --limit all', /`all` is not a host of inventory `local`/],
  ["run backup --limit '*'", /not a valid limit/],
  ["run backup --limit 'localhost,evil'", /not a valid limit/],
  ['run backup ansible_python_interpreter=/tmp/x', /not a variable of playbook `backup`/],
  ['run backup Extra=1', /not a valid variable name/],
  ['run backup -e foo=1', /Unknown option `-e`/],
  ['run backup --extra-vars=@/etc/passwd', /Unknown option `--extra-vars`/],
  ['run backup label=a label=b', /given more than once/],
  ['run sleep seconds=1e9', /must be a whole number/],
  ['run sleep seconds=-5', /between 1 and 600/],
  ['run sleep', /needs `seconds=…`/],
  ['run env out=/tmp/x loud=maybe', /needs the permission|must be true or false/],
  ['run env out=/tmp/x mode=rm', /not a valid mode/],
  // `note` admits any printable text, braces included: Jinja's openers are refused all the same.
  ["run note out=/tmp/x note=\"{{ lookup('pipe', 'id') }}\"", /may not contain `\{\{`, `\{%` or `\{#`: Ansible would read them as a template/],
  ['run note out=/tmp/x note="{% for x in y %}"', /Ansible would read them as a template/],
  ['run note out=/tmp/x note="{#"', /Ansible would read them as a template/],
  // A store's deploy playbook, run bare, would skip the deploy's lock, checks and approval.
  ['run deploy-colour colour=blue version=9.9.9', /`deploy-colour` is the deploy playbook of `shop`: run bare, it would skip .* Deploy with `deploy shop <blue\|green>`/],
  // A service's scale playbook, run bare, would skip the scale's bounds, cooldown, permission and lock.
  ['run scale-web replicas=500', /`scale-web` is the scale playbook of `web` \(prod\), `web` \(staging\): run bare, it would skip the scale command's bounds \(min and max\), cooldown, the environment's permission and the service's lock\. Scale with `scale web <change> --env prod`, or see what it would change with `run scale-web --check`\./],
  ['run scale-web replicas=0 --limit localhost', /`scale-web` is the scale playbook of `web`/],
];

describe('hostile arguments', () => {
  it.each(HOSTILE)('%j is refused before any process starts', async (text, reason) => {
    calls.length = 0;
    const outcome = await bot.say(text);
    const said = outcome.kind === 'job' ? await outcome.completion : outcome;
    if ('job' in said) {
      expect(said.job.state).toBe('failed');
      expect(said.job.error ?? '').toMatch(reason);
    } else {
      expect(['usage', 'denied']).toContain(said.status);
      expect(textOf(said)).toMatch(reason);
    }
    expect(calls).toEqual([]);
    expect(childrenMatching('ansible-playbook')).toEqual([]);
  });

  it('a store\'s deploy playbook may still be run with --check, which changes nothing (control)', async () => {
    calls.length = 0;
    const outcome = await bot.say('run deploy-colour colour=blue version=9.9.9 --check');
    const done = outcome.kind === 'job' ? await outcome.completion : null;
    // It reaches ansible (whose --check of this bare test playbook then fails; beside the point).
    expect(done?.job.error ?? '').not.toMatch(/is the deploy playbook/);
    expect(calls).toContain('playbooks.run');
  });

  it('a service\'s scale playbook may still be run with --check or --dry-run, and its status playbook bare (control)', async () => {
    for (const text of ['run scale-web replicas=500 --check', 'run scale-web replicas=500 --dry-run', 'run scale-web-status']) {
      calls.length = 0;
      const outcome = await bot.say(text);
      const done = outcome.kind === 'job' ? await outcome.completion : null;
      // It reaches ansible (whose run of this bare test playbook then fails; beside the point).
      expect(done?.job.error ?? '').not.toMatch(/is the scale playbook/);
      expect(calls).toContain('playbooks.run');
    }
  });

  it('the spies do see a valid deploy reach the backends (control)', async () => {
    calls.length = 0;
    const outcome = await bot.say('deploy shop green --version 1.0');
    const done = outcome.kind === 'job' ? await outcome.completion : null;
    expect(done?.job.error).toMatch(/Cannot reach the HAProxy admin socket/);
    expect(calls).toContain('traffic.live');
  });
});
