/**
 * A playbook directory for tests: a copy of the shipped playbooks plus small test playbooks (sleep,
 * env, fail, vault), a catalog describing them, loaded through the real config loader.
 */
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { readEnvironment, type EnvVars } from '../../../src/config/env.js';
import { loadConfig } from '../../../src/config/load.js';
import type { LoadedConfig } from '../../../src/config/types.js';
import { repoRoot } from '../../support/shared.js';

export const TEST_PLAYBOOKS: Record<string, string> = {
  'sleep.yml': `
- hosts: all
  gather_facts: false
  tasks:
    - name: announce
      ansible.builtin.debug: { msg: "sleeping {{ seconds }}" }
    - name: sleep in a child process
      ansible.builtin.command: { argv: [/bin/sleep, "{{ seconds }}"] }
`,
  'env.yml': `
- hosts: all
  gather_facts: false
  tasks:
    - name: write what the environment holds
      ansible.builtin.copy:
        dest: "{{ out }}"
        content: "passed=[{{ lookup('ansible.builtin.env', 'OPSBOT_TEST_PASSED') }}] leaked=[{{ lookup('ansible.builtin.env', 'OPSBOT_TEST_SECRET') }}] who={{ who }} loud={{ loud }} mode={{ mode }}"
`,
  'note.yml': `
- hosts: all
  gather_facts: false
  tasks:
    - name: write the note
      ansible.builtin.copy: { dest: "{{ out }}", content: "{{ note }}" }
`,
  'fail.yml': `
- hosts: all
  gather_facts: false
  tasks:
    - name: first
      ansible.builtin.debug: { msg: ok }
    - name: breaks
      ansible.builtin.fail: { msg: "the disk is full" }
    - name: never
      ansible.builtin.debug: { msg: never }
`,
  'vault.yml': `
- hosts: all
  gather_facts: false
  vars_files: [vault-vars.yml]
  tasks:
    - name: use the secret
      ansible.builtin.copy: { dest: "{{ out }}", content: "{{ vaulted }}", mode: "0600" }
`,
  'touch.yml': `
- hosts: all
  gather_facts: false
  tasks:
    - name: write a file
      ansible.builtin.copy: { dest: "{{ out }}", content: "from {{ inventory_hostname }}\\n", mode: "0644" }
`,
};

export const TEST_CATALOG = `
inventories:
  local: { file: inventories/local.ini, hosts: [localhost] }
  remote: { file: inventories/remote.ini, hosts: [target] }
playbooks:
  deploy-colour:
    file: deploy-colour.yml
    description: deploy a colour
    inventory: local
    vars:
      colour: { type: enum, values: [blue, green], required: true, description: colour }
      version: { type: string, pattern: '^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$', required: true, description: version }
  backup:
    file: backup.yml
    description: backup
    inventory: local
    vars:
      label: { type: string, pattern: '^[a-z0-9-]{1,32}$', default: manual, description: label }
  sleep:
    file: sleep.yml
    description: sleeps
    inventory: local
    vars:
      seconds: { type: integer, min: 1, max: 600, required: true, description: seconds }
  env:
    file: env.yml
    description: shows the environment
    inventory: local
    permission: playbooks:special
    vars:
      out: { type: string, pattern: '^/[A-Za-z0-9/._-]+$', required: true, description: out }
      who: { type: string, pattern: '^[a-z]{1,16}$', default: nobody, description: who }
      loud: { type: boolean, default: false, description: loud }
      mode: { type: enum, values: [fast, slow], default: fast, description: mode }
  note:
    file: note.yml
    description: writes free text (a catalog pattern that admits braces)
    inventory: local
    vars:
      out: { type: string, pattern: '^/[A-Za-z0-9/._-]+$', required: true, description: out }
      note: { type: string, pattern: '^[ -~]{1,120}$', required: true, description: note }
  fail:
    file: fail.yml
    description: fails
    inventory: local
  vault:
    file: vault.yml
    description: uses a vaulted variable
    inventory: local
    vars:
      out: { type: string, pattern: '^/[A-Za-z0-9/._-]+$', required: true, description: out }
  touch:
    file: touch.yml
    description: writes a file
    inventory: remote
    vars:
      out: { type: string, pattern: '^/[A-Za-z0-9/._-]+$', required: true, description: out }
`;

/** Copies the shipped playbooks into `dir` and adds the test playbooks and catalog. */
export function writePlaybookDir(dir: string, remoteInventory = 'target ansible_host=127.0.0.1\n'): string {
  cpSync(join(repoRoot, 'playbooks'), dir, { recursive: true });
  for (const [name, text] of Object.entries(TEST_PLAYBOOKS)) writeFileSync(join(dir, name), text);
  writeFileSync(join(dir, 'slow-deploy.yml'), SLOW_DEPLOY);
  writeFileSync(join(dir, 'inventories', 'remote.ini'), remoteInventory);
  writeFileSync(join(dir, 'test-catalog.yaml'), TEST_CATALOG + SLOW_CATALOG_ENTRY);
  return join(dir, 'test-catalog.yaml');
}

/** Encrypts `vars` (YAML) with ansible-vault into `<dir>/vault-vars.yml`. */
export async function writeVaultVars(dir: string, yaml: string, password: string): Promise<void> {
  const passFile = join(dir, '.vault-pass-for-encrypting');
  writeFileSync(passFile, password, { mode: 0o600 });
  writeFileSync(join(dir, 'vault-vars.yml'), yaml);
  await execa('ansible-vault', ['encrypt', '--vault-password-file', passFile, join(dir, 'vault-vars.yml')]);
}

export function loadTestConfig(dir: string, yaml: string, env: EnvVars = process.env): LoadedConfig {
  const file = join(dir, 'opsbot.yaml');
  writeFileSync(file, yaml);
  return loadConfig(file, readEnvironment(env), { cwd: dir });
}

/** A deploy playbook that takes its time (for cancel and lock tests). */
export const SLOW_DEPLOY = `
- hosts: all
  gather_facts: false
  tasks:
    - name: start
      ansible.builtin.debug: { msg: "deploying {{ version }} to {{ colour }}" }
    - name: take a long time
      ansible.builtin.command: { argv: [/bin/sleep, "89"] }
`;

export const SLOW_CATALOG_ENTRY = `
  slow-deploy:
    file: slow-deploy.yml
    description: a deploy that takes long
    inventory: local
    vars:
      colour: { type: enum, values: [blue, green], required: true, description: colour }
      version: { type: string, pattern: '^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$', required: true, description: version }
`;
