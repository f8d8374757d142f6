/**
 * SSH against a real sshd on loopback with throwaway keys: catalogued commands through node-ssh with
 * pinned host keys, timeouts and cancellation; and ansible-playbook over SSH to the same sshd.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlaybooksPort } from '../../src/backends/ansible/playbooks.js';
import { AnsibleRunner } from '../../src/backends/ansible/runner.js';
import { runRemote } from '../../src/backends/ssh/client.js';
import { parseKnownHosts, verifyHostKey } from '../../src/backends/ssh/known-hosts.js';
import { CancelledError, NotFoundError, TimeoutError, BackendError } from '../../src/core/errors.js';
import type { SshConfig } from '../../src/config/deploy-types.js';
import { loadTestConfig, writePlaybookDir } from '../deploy/support/playbooks.js';
import { eventually, processesMatching, removeDir, startSshd, tempDir, type Sshd } from '../deploy/support/servers.js';

let sshd: Sshd;
let dir: string;
let ssh: SshConfig;

beforeAll(async () => {
  sshd = await startSshd();
  dir = tempDir('opsbot-ssh-');
  const loaded = loadTestConfig(
    dir,
    `
ssh:
  knownHosts: ${sshd.knownHosts}
  privateKey: ${sshd.clientKey}
  user: root
  connectTimeout: 5s
  commandTimeout: 3s
  hosts:
    web1: { address: 127.0.0.1, port: ${sshd.port} }
  commands:
    echo-words: [printf, "%s|", "two words", "it's", "$(id)", "; rm -rf /"]
    fail: [sh, -c, "exit 3"]
    slow: [sleep, "91"]
`,
  );
  ssh = loaded.config.ssh;
});

afterAll(async () => {
  await sshd.stop();
  removeDir(dir);
});

const never = () => new AbortController().signal;

describe('ssh backend (node-ssh against a real sshd)', () => {
  it('runs a catalogued command with each word passed as is, nothing expanded', async () => {
    const result = await runRemote(ssh, 'web1', 'echo-words', never());
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("two words|it's|$(id)|; rm -rf /|");
  });

  it('reports the exit code of a failing command', async () => {
    expect((await runRemote(ssh, 'web1', 'fail', never())).code).toBe(3);
  });

  it('refuses a host whose key does not match known_hosts', async () => {
    const wrong = { ...ssh, knownHosts: sshd.wrongKnownHosts };
    const error = await runRemote(wrong, 'web1', 'echo-words', never()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as Error).message).toMatch(/does not match known_hosts \(presented SHA256:[A-Za-z0-9+/]+\)/);
  });

  it('refuses a host missing from known_hosts', async () => {
    const empty = join(dir, 'empty_known_hosts');
    writeFileSync(empty, '# nothing pinned\n');
    const error = await runRemote({ ...ssh, knownHosts: empty }, 'web1', 'echo-words', never()).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/is not in known_hosts/);
  });

  it('runs only catalogued commands on configured hosts', async () => {
    await expect(runRemote(ssh, 'web1', 'rm -rf /', never())).rejects.toBeInstanceOf(NotFoundError);
    await expect(runRemote(ssh, 'db9', 'fail', never())).rejects.toBeInstanceOf(NotFoundError);
  });

  it('times out a long command and cancels one on the signal, leaving no remote process', async () => {
    await expect(runRemote(ssh, 'web1', 'slow', never())).rejects.toBeInstanceOf(TimeoutError);
    expect(await eventually(() => processesMatching('sleep 91').length === 0)).toBe(true);

    const controller = new AbortController();
    const running = runRemote({ ...ssh, commandTimeout: 60_000 }, 'web1', 'slow', controller.signal);
    expect(await eventually(() => processesMatching('sleep 91').length > 0)).toBe(true);
    controller.abort(new CancelledError('stop'));
    await expect(running).rejects.toBeInstanceOf(CancelledError);
    expect(await eventually(() => processesMatching('sleep 91').length === 0)).toBe(true);
  });

  it('matches hashed known_hosts entries and honours @revoked', () => {
    const line = readFileSync(sshd.knownHosts, 'utf8').trim().split(/\s+/);
    const key = Buffer.from(line[2] ?? '', 'base64');
    expect(verifyHostKey(parseKnownHosts(`@revoked ${line.join(' ')}\n${line.join(' ')}\n`), '127.0.0.1', sshd.port, key)).toMatch(/revoked/);
    expect(verifyHostKey(parseKnownHosts(`*.example.com,127.0.0.* ${line[1]} ${line[2]}\n`), '127.0.0.1', sshd.port, key)).toMatch(/not in known_hosts/);
  });
});

describe('ansible over SSH to the loopback sshd', { timeout: 120_000 }, () => {
  it('runs a playbook on the remote host with the pinned key', async () => {
    const playbooks = join(dir, 'playbooks');
    mkdirSync(playbooks);
    const common = `-o UserKnownHostsFile=${sshd.knownHosts} -o StrictHostKeyChecking=yes`;
    writePlaybookDir(playbooks, `target ansible_host=127.0.0.1 ansible_port=${sshd.port} ansible_user=root ansible_ssh_private_key_file=${sshd.clientKey} ansible_ssh_common_args='${common}'\n`);
    const loaded = loadTestConfig(
      dir,
      `
playbooks:
  catalog: playbooks/test-catalog.yaml
  ansible:
    env:
      ANSIBLE_SSH_ARGS: "-o ControlMaster=auto -o ControlPersist=2s"
      ANSIBLE_PIPELINING: "True"
`,
    );
    const config = loaded.config.playbooks;
    const port = createPlaybooksPort(config, new AnsibleRunner(config.ansible));
    const out = join(dir, 'over-ssh.txt');
    const result = await port.run({ playbook: 'touch', vars: { out }, limit: 'target', check: false, connection: null, signal: never(), onEvent: () => undefined });
    expect(result).toMatchObject({ ok: true, recap: [{ host: 'target', ok: 1, changed: 1, failed: 0, unreachable: 0 }] });
    expect(readFileSync(out, 'utf8')).toBe('from target\n');
    // The login happened over SSH with our client key.
    expect(readFileSync(join(sshd.dir, 'sshd.log'), 'utf8')).toMatch(/Accepted publickey for root/);
  });

  it('reports an unreachable host when the host key does not match', async () => {
    const playbooks = join(dir, 'playbooks-wrong');
    mkdirSync(playbooks);
    const common = `-o UserKnownHostsFile=${sshd.wrongKnownHosts} -o StrictHostKeyChecking=yes`;
    writePlaybookDir(playbooks, `target ansible_host=127.0.0.1 ansible_port=${sshd.port} ansible_user=root ansible_ssh_private_key_file=${sshd.clientKey} ansible_ssh_common_args='${common}'\n`);
    // No connection sharing: a master left by the previous run must not skip the host key check.
    const loaded = loadTestConfig(dir, 'playbooks:\n  catalog: playbooks-wrong/test-catalog.yaml\n  ansible:\n    env: { ANSIBLE_SSH_ARGS: "-o ControlMaster=no" }\n');
    const config = loaded.config.playbooks;
    const port = createPlaybooksPort(config, new AnsibleRunner(config.ansible));
    const result = await port.run({ playbook: 'touch', vars: { out: join(dir, 'never.txt') }, limit: null, check: false, connection: null, signal: never(), onEvent: () => undefined });
    expect(result.ok).toBe(false);
    expect(result.exitCode).toBe(4);
    expect(result.recap[0]).toMatchObject({ host: 'target', unreachable: 1 });
    expect(result.failures[0]?.message).toMatch(/Host key verification failed/);
  });
});
