/**
 * The `ansible` orchestrator of /scale, for real: the shipped playbook scale-replicas.yml run by the
 * real ansible-playbook (connection local) starts and stops real replica processes (python web
 * servers with pid files under a temp dir), and the bot reads the counts from the playbook's set_fact
 * results. Everything lives in a temp dir; every process is stopped by PID in afterAll.
 */
import { cpSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnsibleOrchestrator } from '../../src/backends/containers/ansible.js';
import { createPlaybooksPort } from '../../src/backends/ansible/playbooks.js';
import { AnsibleRunner } from '../../src/backends/ansible/runner.js';
import type { OpsbotConfig } from '../../src/config/types.js';
import { BackendError } from '../../src/core/errors.js';
import { removeTempDirs, startTestApp, tempDir, type TestApp } from '../support/app.js';
import { repoRoot } from '../support/shared.js';
import { loadTestConfig } from '../deploy/support/playbooks.js';
import { eventually, killPid, processGroup, processesMatching } from '../deploy/support/servers.js';

const SLOW = `
- hosts: all
  gather_facts: false
  tasks:
    - name: Take a long time to scale
      ansible.builtin.command: { argv: [/bin/sleep, "93"] }
      when: opsbot_action == 'scale'
    - name: Report
      ansible.builtin.set_fact: { opsbot_replicas: 1, opsbot_ready: 1 }
`;

const SILENT = `
- hosts: all
  gather_facts: false
  tasks:
    - name: Say nothing useful
      ansible.builtin.debug: { msg: "scaled, trust me" }
`;

const TEST_ENTRIES = `
  scale-slow:
    file: scale-slow.yml
    description: scales slowly
    inventory: local
  scale-silent:
    file: scale-silent.yml
    description: reports nothing
    inventory: local
`;

let dir: string;
let state: string;
let webBase: number;
let blockedBase: number;
let config: OpsbotConfig;
let bot: TestApp;
const blockers: Server[] = [];

/** `n` consecutive loopback ports that are free now. */
async function freeRange(n: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    // Below Linux's ephemeral range (32768…), so no outgoing connection takes one meanwhile.
    const base = 20_000 + Math.floor(Math.random() * 12_000);
    const held: Server[] = [];
    try {
      for (let i = 0; i < n; i += 1) held.push(await listen(base + i));
      return base;
    } catch {
      // taken: try another range
    } finally {
      await Promise.all(held.map((s) => new Promise((resolve) => s.close(resolve))));
    }
  }
  throw new Error('no free port range');
}

/** Connections to the blockers, ended in afterAll: a status read after a failed scale may leave one open. */
const blockerSockets = new Set<Socket>();

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => {
      blockerSockets.add(socket);
      socket.once('close', () => blockerSockets.delete(socket));
      socket.end();
    });
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

async function answers(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(3_000) })).ok;
  } catch {
    return false;
  }
}

/** Replica processes of a service: the web servers the playbook started for it. */
const replicas = (service: string): number[] => processesMatching(join(state, service, 'www'));
const desiredFile = (service: string): string => join(state, service, 'desired');

beforeAll(async () => {
  dir = tempDir('opsbot-scale-ansible-');
  state = join(dir, 'state');
  const playbooks = join(dir, 'playbooks');
  cpSync(join(repoRoot, 'playbooks'), playbooks, { recursive: true });
  writeFileSync(join(playbooks, 'scale-slow.yml'), SLOW);
  writeFileSync(join(playbooks, 'scale-silent.yml'), SILENT);
  writeFileSync(join(playbooks, 'test-catalog.yaml'), readFileSync(join(playbooks, 'catalog.yaml'), 'utf8') + TEST_ENTRIES);
  webBase = await freeRange(3);
  blockedBase = await freeRange(2);
  const local = (playbook: string, extra: string): string => `{ playbook: ${playbook}, limit: localhost, connection: local${extra} }`;
  const loaded = loadTestConfig(
    dir,
    `
playbooks:
  catalog: playbooks/test-catalog.yaml
  ansible: { killGrace: 2s }
services:
  web:
    min: 1
    max: 3
    cooldown: 1m
    readyTimeout: 90s
    pollInterval: 200ms
    environments:
      local:
        ansible: ${local('scale-replicas', `, statusPlaybook: scale-replicas-status, vars: { scale_state_dir: ${state}, scale_base_port: ${webBase} }`)}
  blocked:
    max: 3
    environments:
      local:
        ansible: ${local('scale-replicas', `, vars: { scale_state_dir: ${state}, scale_base_port: ${blockedBase} }`)}
  slow:
    max: 3
    environments:
      local:
        ansible: ${local('scale-slow', '')}
  silent:
    max: 3
    environments:
      local:
        ansible: ${local('scale-silent', '')}
`,
  );
  config = loaded.config;
  bot = await startTestApp({ config: { playbooks: config.playbooks, services: config.services }, jobs: { timeout: 240_000 } });
}, 60_000);

afterAll(async () => {
  await bot.close();
  for (const pid of processesMatching(dir)) await killPid(pid);
  for (const socket of blockerSockets) socket.destroy();
  await Promise.all(blockers.map((s) => new Promise((resolve) => s.close(resolve))));
  removeTempDirs();
}, 60_000);

describe('/scale with the ansible orchestrator (real ansible-playbook, real processes)', { timeout: 240_000 }, () => {
  it('x2 from 1 → 2: the playbook starts a second replica and the job waits until both answer', async () => {
    const first = await bot.runJob('scale web 1');
    expect(first.job.state).toBe('succeeded');
    expect(first.text).toContain('`web` (local) scaled 0 → 1; 1/1 ready.');
    expect(replicas('web')).toHaveLength(1);

    bot.clock.advance(61_000);
    const done = await bot.runJob('scale web x2');
    expect(done.job.state).toBe('succeeded');
    expect(done.text).toContain('`web` (local) scaled 1 → 2; 2/2 ready.');
    expect(done.text).toContain('playbook scale-replicas on localhost');
    expect(done.job.refs).toEqual({ service: 'web@local', before: '1', after: '2' });
    expect(replicas('web')).toHaveLength(2);
    expect(await answers(webBase)).toBe(true);
    expect(await answers(webBase + 1)).toBe(true);
    expect(readFileSync(desiredFile('web'), 'utf8')).toBe('2\n');
    expect(await bot.store.scaling.last('web', 'local')).toMatchObject({ from: 1, to: 2, by: 'Olga', jobId: done.job.id });
  });

  it('-1 stops the highest replica', async () => {
    bot.clock.advance(61_000);
    const done = await bot.runJob('scale web -1');
    expect(done.job.state).toBe('succeeded');
    expect(done.text).toContain('`web` (local) scaled 2 → 1; 1/1 ready.');
    expect(await eventually(() => replicas('web').length === 1, 15_000)).toBe(true);
    expect(await answers(webBase)).toBe(true);
    expect(existsSync(join(state, 'web', 'replica-2.pid'))).toBe(false);
  });

  it('keeps within the maximum and says so', async () => {
    bot.clock.advance(61_000);
    const done = await bot.runJob('scale web +5');
    expect(done.job.state).toBe('succeeded');
    expect(done.text).toContain('6 is above the maximum of 3: using 3.');
    expect(done.text).toContain('`web` (local) scaled 1 → 3; 3/3 ready.');
    expect(replicas('web')).toHaveLength(3);
    for (const port of [webBase, webBase + 1, webBase + 2]) expect(await answers(port)).toBe(true);

    const status = await bot.say('status web');
    const row = status.text.split('\n').find((l) => l.includes('ansible'));
    expect(row).toBeDefined();
    expect(row).toContain('3/3');
  });

  it('--dry-run runs nothing: no playbook, no process, the state untouched', async () => {
    const before = { pids: replicas('web').sort(), mtime: statSync(desiredFile('web')).mtimeMs };
    const dry = await bot.runJob('scale web x2 --dry-run');
    expect(dry.job.state).toBe('succeeded');
    expect(dry.text).toContain('Would scale `web` (local) on playbook scale-replicas on localhost: multiply the current replica count by 2 (rounded up), kept within 1…3');
    expect(dry.text).toContain('Nothing was contacted.');
    // The cooldown of the scaling just before would refuse a real run; the dry run says so.
    expect(dry.text).toContain('A real run would be refused now');
    expect(replicas('web').sort()).toEqual(before.pids);
    expect(statSync(desiredFile('web')).mtimeMs).toBe(before.mtime);
    expect(readFileSync(desiredFile('web'), 'utf8')).toBe('3\n');
  });

  it('the playbook refuses a count that changed since it was read', async () => {
    const port = createPlaybooksPort(config.playbooks, new AnsibleRunner(config.playbooks.ansible));
    const web = new AnsibleOrchestrator({ service: 'web', env: 'local', playbook: 'scale-replicas', statusPlaybook: 'scale-replicas-status', limit: 'localhost', connection: 'local', vars: { scale_state_dir: state, scale_base_port: webBase } }, { playbooks: port });
    expect(await web.read(new AbortController().signal)).toEqual({ desired: 3, ready: 3 });
    const error = await web.scale(1, 2, new AbortController().signal).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as Error).message).toBe(
      'The playbook scale-replicas (scale web in local) failed: localhost: Nobody scaled meanwhile: web changed meanwhile: it has 3 replicas, not 2; look again and retry.',
    );
    expect(replicas('web')).toHaveLength(3);
    expect(readFileSync(desiredFile('web'), 'utf8')).toBe('3\n');
  });

  it('`run` of the scale playbook is refused before any job (it would skip the bounds, cooldown, permission and lock); the status playbook runs', async () => {
    const before = { pids: replicas('web').sort(), desired: readFileSync(desiredFile('web'), 'utf8') };
    const jobs = (await bot.store.jobs.list({ limit: 100 })).length;
    for (const text of ['run scale-replicas', 'run scale-replicas --limit localhost']) {
      const said = await bot.say(text);
      expect(said.status).toBe('usage');
      expect(said.text).toContain(
        "`scale-replicas` is the scale playbook of `blocked` (local), `web` (local): run bare, it would skip the scale command's bounds (min and max), cooldown, the environment's permission and the service's lock. " +
          'Scale with `scale blocked <change> --env local`, or see what it would change with `run scale-replicas --check`.',
      );
    }
    expect((await bot.store.jobs.list({ limit: 100 })).length).toBe(jobs);
    // The read-only status entry is not a way to change anything, so `run` takes it (here it fails
    // its own check: opsbot_service is set only by /scale and /status).
    const status = await bot.runJob('run scale-replicas-status');
    expect(status.job.error ?? '').not.toMatch(/scale playbook/);
    expect(status.job.error).toContain('needs opsbot_service and opsbot_action');
    expect(replicas('web').sort()).toEqual(before.pids);
    expect(readFileSync(desiredFile('web'), 'utf8')).toBe(before.desired);
  });

  it('a failing task fails the job with that task\'s message', async () => {
    // Something else holds the second replica's port.
    blockers.push(await listen(blockedBase + 1));
    const done = await bot.runJob('scale blocked 2');
    expect(done.job.state).toBe('failed');
    expect(done.job.error).toContain('The playbook scale-replicas (scale blocked in local) failed: localhost: Every replica runs: replica 2 of blocked did not start:');
    expect(done.job.error).toContain(`cannot listen on 127.0.0.1:${blockedBase + 1}: [Errno 98] Address already in use`);
    // The playbook failed halfway, and its service now shows another count: kept as a scaling it never
    // confirmed, which the cooldown counts (it is no guess that nothing changed).
    expect(await bot.store.scaling.last('blocked', 'local')).toMatchObject({ from: 0, to: 2, jobId: done.job.id, pending: true });
    expect(done.job.output).toContain('after the failed change: kept as an unconfirmed scaling, which the cooldown counts.');
  });

  it('a playbook that reports no counts is a clear failure', async () => {
    const done = await bot.runJob('scale silent 2');
    expect(done.job.state).toBe('failed');
    expect(done.job.error).toContain('The playbook scale-silent reported no replica counts: it must end with a task `set_fact: { opsbot_replicas: <desired>, opsbot_ready: <ready> }`.');
  });

  it('cancelling the job kills the whole ansible run', async () => {
    const { job, completion } = await bot.start('scale slow 2');
    // The slow scale is running once its sleep (a grandchild of ansible-playbook) exists.
    expect(await eventually(() => processesMatching('/bin/sleep 93').length > 0, 60_000)).toBe(true);
    const ansible = processesMatching('ansible-playbook').filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(join(dir, 'playbooks', 'scale-slow.yml'));
      } catch {
        return false;
      }
    });
    expect(ansible.length).toBeGreaterThan(0);
    const cancel = await bot.say(`cancel ${job.id}`);
    expect(cancel.status).toBe('ok');
    const done = await completion;
    expect(done.job.state).toBe('cancelled');
    // ansible-playbook leads its own process group: neither it nor any worker or the sleep survives.
    expect(await eventually(() => ansible.every((pid) => processGroup(pid).length === 0) && processesMatching('/bin/sleep 93').length === 0, 15_000)).toBe(true);
    // Cut off halfway, it may or may not have scaled: unconfirmed, and the cooldown counts it.
    expect(await bot.store.scaling.last('slow', 'local')).toMatchObject({ to: 2, jobId: job.id, pending: true });
  });
});
