/**
 * The Ansible backend against the real ansible-playbook (Debian's ansible, connection local):
 * argv and extra vars as one JSON argument, live task events, host recap, --check, failures,
 * the environment allowlist, the vault password, and cancellation of the whole process group.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlaybooksPort } from '../../src/backends/ansible/playbooks.js';
import { AnsibleRunner } from '../../src/backends/ansible/runner.js';
import type { PlaybooksPort } from '../../src/core/deploy/ports.js';
import type { PlaybookEvent, VarValues } from '../../src/core/deploy/types.js';
import { CancelledError } from '../../src/core/errors.js';
import type { PlaybooksConfig } from '../../src/config/deploy-types.js';
import { loadTestConfig, writePlaybookDir, writeVaultVars } from '../deploy/support/playbooks.js';
import { eventually, processGroup, processesMatching, removeDir, tempDir } from '../deploy/support/servers.js';

const VAULT_PASSWORD = 'correct horse battery staple 7f3a';

let dir: string;
let config: PlaybooksConfig;
let port: PlaybooksPort;
const spawned: number[] = [];

beforeAll(async () => {
  dir = tempDir('opsbot-ansible-');
  const playbooks = join(dir, 'playbooks');
  mkdirSync(playbooks);
  writePlaybookDir(playbooks);
  await writeVaultVars(playbooks, 'vaulted: the-vaulted-value\n', VAULT_PASSWORD);
  const loaded = loadTestConfig(
    dir,
    `
playbooks:
  catalog: playbooks/test-catalog.yaml
  vars: { app_root: ./app }
  ansible:
    passEnv: [PATH, HOME, OPSBOT_TEST_PASSED]
    vault: { passwordEnv: OPSBOT_TEST_VAULT }
    killGrace: 2s
`,
    { ...process.env, OPSBOT_TEST_PASSED: 'yes-passed', OPSBOT_TEST_SECRET: 'must-not-leak', OPSBOT_TEST_VAULT: VAULT_PASSWORD },
  );
  config = loaded.config.playbooks;
  port = createPlaybooksPort(config, new AnsibleRunner(config.ansible), { onSpawn: (pid) => spawned.push(pid) });
});

afterAll(() => {
  removeDir(dir);
});

async function run(playbook: string, vars: VarValues, options: { check?: boolean; signal?: AbortSignal; limit?: string } = {}) {
  const events: PlaybookEvent[] = [];
  const result = await port.run({
    playbook,
    vars,
    limit: options.limit ?? null,
    check: options.check ?? false,
    connection: null,
    signal: options.signal ?? new AbortController().signal,
    onEvent: (e) => events.push(e),
  });
  return { result, events };
}

describe('ansible backend (real ansible-playbook, connection local)', { timeout: 120_000 }, () => {
  it('deploys a colour: task events in order, host recap, files written', async () => {
    const { result, events } = await run('deploy-colour', { colour: 'blue', version: '1.4.2' });
    expect(result.ok).toBe(true);
    expect(result.exitCode).toBe(0);
    const tasks = events.filter((e) => e.kind === 'task').map((e) => (e.kind === 'task' ? e.name : ''));
    expect(tasks).toEqual(['Colour directory exists', 'Release version is recorded', 'Health page names colour and version', 'Index page names colour and version', 'Colour is served', 'Live symlink is served']);
    expect(result.recap).toEqual([{ host: 'localhost', ok: 4, changed: 4, failed: 0, unreachable: 0, skipped: 2 }]);
    expect(readFileSync(join(dir, 'app', 'blue', 'version'), 'utf8')).toBe('1.4.2\n');
    expect(readFileSync(join(dir, 'app', 'blue', 'health'), 'utf8')).toBe('ok blue 1.4.2\n');
  });

  it('--check --diff reports changes and writes nothing', async () => {
    const { result } = await run('deploy-colour', { colour: 'green', version: '2.0.0' }, { check: true });
    expect(result.ok).toBe(true);
    expect(result.check).toBe(true);
    expect(result.recap[0]?.changed).toBeGreaterThan(0);
    expect(existsSync(join(dir, 'app', 'green'))).toBe(false);
  });

  it('passes argv only, the extra vars as one JSON argument, and the pinned interpreter', async () => {
    spawned.length = 0;
    let cmdline: string[] = [];
    const seen = port.run({
      playbook: 'sleep',
      vars: { seconds: 2 },
      limit: 'localhost',
      check: false,
      connection: null,
      signal: new AbortController().signal,
      onEvent: (e) => {
        if (e.kind === 'task' && cmdline.length === 0 && spawned[0] !== undefined) cmdline = readFileSync(`/proc/${spawned[0]}/cmdline`, 'utf8').split('\0').filter((w) => w !== '');
      },
    });
    await seen;
    const extra = cmdline[cmdline.indexOf('--extra-vars') + 1] ?? '';
    expect(JSON.parse(extra)).toEqual({ ansible_python_interpreter: '/usr/bin/python3', app_root: './app', seconds: 2 });
    expect(cmdline).toContain('--limit');
    expect(cmdline[cmdline.indexOf('--limit') + 1]).toBe('localhost');
    expect(cmdline.slice(-2)).toEqual(['--', join(dir, 'playbooks', 'sleep.yml')]);
  });

  it('never templates a value it passes: `{{ … }}` from chat stays text and runs nothing', async () => {
    const out = join(dir, 'note.txt');
    const marker = join(dir, 'templated');
    const note = `{{ lookup('ansible.builtin.pipe', 'touch ${marker}; id -un') }}`;
    const { result } = await run('note', { out, note });
    expect(result.ok).toBe(true);
    expect(readFileSync(out, 'utf8')).toBe(note);
    expect(existsSync(marker)).toBe(false);
  });

  it('reports a failed task with its message and the recap', async () => {
    const { result, events } = await run('fail', {});
    expect(result.ok).toBe(false);
    expect(result.exitCode).toBe(2);
    expect(result.failures).toEqual([{ host: 'localhost', task: 'breaks', message: 'the disk is full' }]);
    expect(result.recap[0]).toMatchObject({ host: 'localhost', failed: 1 });
    expect(events.some((e) => e.kind === 'task' && e.name === 'never')).toBe(false);
  });

  it('gives ansible only the allowlisted environment', async () => {
    const out = join(dir, 'env-check.txt');
    const { result } = await run('env', { out, who: 'olga', loud: true, mode: 'slow' });
    expect(result.ok).toBe(true);
    expect(readFileSync(out, 'utf8')).toBe('passed=[yes-passed] leaked=[] who=olga loud=True mode=slow');
  });

  it('takes the vault password from the environment variable named in the config, never from argv', async () => {
    spawned.length = 0;
    const out = join(dir, 'vault-out.txt');
    let cmdline = '';
    await port.run({
      playbook: 'vault',
      vars: { out },
      limit: null,
      check: false,
      connection: null,
      signal: new AbortController().signal,
      onEvent: () => {
        if (cmdline === '' && spawned[0] !== undefined) cmdline = readFileSync(`/proc/${spawned[0]}/cmdline`, 'utf8');
      },
    });
    expect(readFileSync(out, 'utf8')).toBe('the-vaulted-value');
    expect(cmdline).toContain('--vault-password-file');
    expect(cmdline).not.toContain(VAULT_PASSWORD);
    // The password file is removed after the run.
    const passFile = cmdline.split('\0')[cmdline.split('\0').indexOf('--vault-password-file') + 1] ?? '';
    expect(passFile).not.toBe('');
    expect(existsSync(passFile)).toBe(false);
  });

  it('on cancel kills the whole process group: no ansible, python or sleep survives', async () => {
    spawned.length = 0;
    const controller = new AbortController();
    const running = run('sleep', { seconds: 97 }, { signal: controller.signal });
    // Wait until the sleep itself runs (a grandchild of ansible-playbook).
    expect(await eventually(() => processesMatching('/bin/sleep 97').length > 0, 20_000)).toBe(true);
    const pid = spawned[0] ?? 0;
    expect(processGroup(pid).length).toBeGreaterThan(1);
    controller.abort(new CancelledError('Cancelled by a test.'));
    await expect(running).rejects.toBeInstanceOf(CancelledError);
    // The run settles only after the group is gone.
    expect(processGroup(pid)).toEqual([]);
    expect(processesMatching('/bin/sleep 97')).toEqual([]);
  });
});
