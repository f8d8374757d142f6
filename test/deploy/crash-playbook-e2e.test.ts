/**
 * opsbot killed with SIGKILL while `run <playbook>` runs, as a real process with the real
 * ansible-playbook: the playbook does not run on without it (its guard ends the process group, as a
 * cancel does), and the next start reports the job with the hosts the playbook may have changed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, opsbot, spawnOpsbot } from '../support/cli.js';
import { CRASH_TEST_CONFIG } from './support/crash-config.js';
import { writePlaybookDir } from './support/playbooks.js';
import { eventually, processesMatching, removeDir, tempDir } from './support/servers.js';

let dir: string;
let config: string;

beforeAll(() => {
  assertBuilt();
  dir = tempDir('opsbot-crash-playbook-');
  mkdirSync(join(dir, 'playbooks'));
  writePlaybookDir(join(dir, 'playbooks'));
  config = join(dir, 'opsbot.yaml');
  writeFileSync(
    config,
    `${CRASH_TEST_CONFIG}  ansible: { killGrace: 2s }
`,
  );
});

afterAll(() => {
  removeDir(dir);
});

describe('a playbook run killed with opsbot', { timeout: 180_000 }, () => {
  it('does not run on unsupervised; the next start reports it with the hosts it may have changed', async () => {
    const running = spawnOpsbot(['run', 'run sleep seconds=173'], { dir, env: { OPSBOT_CONFIG: config } });
    // The task in flight: a grandchild of ansible-playbook.
    expect(await eventually(() => processesMatching('/bin/sleep 173').length > 0, 60_000)).toBe(true);
    if (running.pid === undefined) throw new Error('no pid');
    process.kill(running.pid, 'SIGKILL');
    await running;

    // Without opsbot the playbook is ended like a cancelled one: the sleep does not run its 173 s.
    expect(await eventually(() => processesMatching('/bin/sleep 173').length === 0, 30_000)).toBe(true);
    // ansible-playbook itself may take a moment to wind down after the SIGTERM; the guard's grace
    // (2 s here) then SIGKILLs whatever is left of the group.
    const playbookLeft = (): number[] => processesMatching('ansible-playbook').filter((pid) => processesMatching(dir).includes(pid));
    expect(await eventually(() => playbookLeft().length === 0, 15_000)).toBe(true);

    const next = await opsbot(['run', 'jobs'], { dir, env: { OPSBOT_CONFIG: config } });
    expect(next.stdout).toMatch(/Job #1 was interrupted/);
    expect(next.stdout).toContain('Playbook `sleep` was stopped with opsbot (it never runs on without it), but it may have run part of its tasks on localhost: `job 1` shows the tasks it reported.');
  });
});
