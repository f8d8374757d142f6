/**
 * The parts of the ansible orchestrator below /scale: the `ansible:` config of a service (what loads
 * and what is refused, checked against the shipped playbook catalog), and the Ansible backend's
 * reading of `opsbot_*` facts from the task results of a real ansible-playbook run.
 */
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createPlaybooksPort } from '../../src/backends/ansible/playbooks.js';
import { AnsibleRunner } from '../../src/backends/ansible/runner.js';
import { errorOf, loadText } from '../config/fixtures.js';
import { loadTestConfig } from '../deploy/support/playbooks.js';
import { removeTempDirs, tempDir } from '../support/app.js';
import { repoRoot } from '../support/shared.js';

afterAll(() => removeTempDirs());

const service = (ansible: string, more = ''): string => `services:\n  web:\n    max: 6\n    environments:\n      local:\n        ansible: ${ansible}\n${more}`;

describe('services.<name>.environments.<env>.ansible', () => {
  it('loads a playbook orchestrator with its status playbook, limit, connection and fixed vars', () => {
    const loaded = loadText(service('{ playbook: scale-replicas, statusPlaybook: scale-replicas-status, limit: localhost, connection: local, vars: { scale_base_port: 18600, scale_state_dir: /srv/replicas } }'));
    expect(loaded.config.services.web?.environments.local).toEqual({
      min: 1,
      max: 6,
      orchestrators: 1,
      orchestrator: { kind: 'ansible', playbook: 'scale-replicas', statusPlaybook: 'scale-replicas-status', limit: 'localhost', connection: 'local', vars: { scale_base_port: 18600, scale_state_dir: '/srv/replicas' } },
    });
    const minimal = loadText(service('{ playbook: scale-replicas }')).config.services.web?.environments.local?.orchestrator;
    expect(minimal).toEqual({ kind: 'ansible', playbook: 'scale-replicas', statusPlaybook: null, limit: null, connection: null, vars: {} });
  });

  it.each([
    [service('{ playbook: nope }'), /services\.web\.environments\.local\.ansible\.playbook: is not in the playbook catalog .*catalog\.yaml \(playbooks: deploy-colour, health, maintenance, backup, scale-replicas, scale-replicas-status\)/],
    [service('{ playbook: scale-replicas, statusPlaybook: nope }'), /ansible\.statusPlaybook: is not in the playbook catalog/],
    [service('{ playbook: scale-replicas, limit: elsewhere }'), /ansible\.limit: is not a host of inventory local \(hosts: localhost\), which scale-replicas runs against/],
    [service('{ playbook: scale-replicas, vars: { opsbot_replicas: 9 } }'), /ansible\.vars\.opsbot_replicas: is set by opsbot itself/],
    [service('{ playbook: scale-replicas, vars: { ansible_become: true } }'), /is not a variable name \(lowercase identifier, not ansible_\*\)/],
    [service('{ playbook: "../etc/passwd" }'), /is not a playbook catalog id/],
    [service('{ playbook: scale-replicas, connection: winrm }'), /connection: must be one of local, ssh/],
    [service('{ playbook: scale-replicas, inventory: /etc/hosts }'), /ansible: unknown key "inventory"/],
    [service('{ playbook: scale-replicas }', '        swarm: { service: web }\n'), /needs exactly one of compose, swarm, kubernetes or ansible, not several/],
    ['services:\n  web:\n    max: 6\n    environments:\n      local: { min: 1 }\n', /services\.web\.environments\.local: missing required key "ansible"/],
  ])('refuses %j', (text, reason) => {
    expect(errorOf(text)).toMatch(reason);
  });
});

describe('the Ansible backend reports what a playbook set on purpose (real ansible-playbook)', { timeout: 120_000 }, () => {
  it('keeps the scalar opsbot_* facts of set_fact results per host, the last value winning; nothing hidden or unrelated', async () => {
    const dir = tempDir('opsbot-ansible-outputs-');
    const playbooks = join(dir, 'playbooks');
    cpSync(join(repoRoot, 'playbooks'), playbooks, { recursive: true });
    writeFileSync(
      join(playbooks, 'report.yml'),
      `
- hosts: all
  gather_facts: false
  tasks:
    - name: Report
      ansible.builtin.set_fact: { opsbot_replicas: "{{ 1 + 2 }}", opsbot_ready: 2, other_fact: not-kept, opsbot_nested: { a: 1 } }
    - name: Hidden
      ansible.builtin.set_fact: { opsbot_secret: hush }
      no_log: true
    - name: Later value wins
      ansible.builtin.set_fact: { opsbot_ready: 3, opsbot_done: true }
`,
    );
    writeFileSync(join(playbooks, 'test-catalog.yaml'), 'inventories:\n  local: { file: inventories/local.ini, hosts: [localhost] }\nplaybooks:\n  report: { file: report.yml, description: reports, inventory: local }\n');
    const config = loadTestConfig(dir, 'playbooks:\n  catalog: playbooks/test-catalog.yaml\n').config.playbooks;
    const port = createPlaybooksPort(config, new AnsibleRunner(config.ansible));
    const result = await port.run({ playbook: 'report', limit: null, vars: {}, check: false, connection: null, signal: new AbortController().signal, onEvent: () => undefined });
    expect(result.ok).toBe(true);
    // "{{ 1 + 2 }}" arrives as the string "3" (templates give strings unless jinja2_native is on).
    expect(result.outputs).toEqual({ localhost: { opsbot_replicas: '3', opsbot_ready: 3, opsbot_done: true } });
  });
});
