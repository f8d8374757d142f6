/**
 * Crash recovery across processes: a job row left `running` by a process that died (same host,
 * dead pid) is found by the next `opsbot run`, marked interrupted with its lock freed, and the
 * terminal it belonged to is told.
 */
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pidAlive, pidSpace } from '../../src/app-recovery.js';
import type { Conversation, Principal } from '../../src/core/identity.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { assertBuilt, opsbot } from '../support/cli.js';
import { removeTempDirs, tempDir } from '../support/app.js';

beforeAll(() => assertBuilt());
afterAll(() => removeTempDirs());

const local: Principal = { platform: 'shell', id: 'local', name: 'local' };
const terminal: Conversation = { platform: 'shell', id: 'local', name: 'local' };

async function deadPid(): Promise<number> {
  const child = execa(process.execPath, ['-e', '']);
  const pid = child.pid;
  await child;
  if (pid === undefined || pidAlive(pid)) throw new Error('could not find a dead pid');
  return pid;
}

/** Leaves a running job holding `target` in the data dir's database, as a crashed opsbot would. */
async function leaveOrphan(dir: string, target: string, owner: string, conversation: Conversation): Promise<number> {
  const store = await openSqliteStore({ path: join(dir, 'opsbot.db') });
  try {
    const now = new Date();
    const result = await store.jobs.begin(
      { command: 'lock', text: `lock ${target}`, args: { target }, principal: local, conversation, lockKey: target, dryRun: false, owner, timeoutMs: 600_000, now },
      { at: now, event: 'job_started', principal: local, conversation, command: 'lock', args: { target }, permission: `locks:set:${target}`, jobId: null, outcome: null, detail: null, refs: {} },
      { lock: { key: target, ttlMs: 600_000 }, queueIfLocked: false },
    );
    if (!result.ok) throw new Error('the orphan could not take its lock');
    await store.jobs.progress(result.job.id, { step: 'restarting web-2', done: 2, total: 3, output: 'TASK [restart]', refs: {} });
    return result.job.id;
  } finally {
    await store.close();
  }
}

describe('recovery as processes', { timeout: 300_000 }, () => {
  it('reports a job of a dead process as interrupted, frees its lock, and `job <id>` shows it', async () => {
    const dir = tempDir('opsbot-e2e-');
    const pid = await deadPid();
    // OPSBOT_INSTANCE is e2e-host in every test process: the same "host" and pid namespace, another (dead) pid.
    const owner = `e2e-host/${pid}/c0ffee00@${pidSpace()}`;
    const mine = await leaveOrphan(dir, 'web', owner, terminal);
    const elsewhere = await leaveOrphan(dir, 'db', owner, { platform: 'shell', id: 'other-terminal' });

    const run = await opsbot(['run', 'jobs'], { dir });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain(`Job #${mine} was interrupted`);
    expect(run.stdout).toContain('`lock web` (started by local) was at step "restarting web-2" when opsbot stopped. Its lock is released.');
    // Only this terminal's job is announced here.
    expect(run.stdout).not.toContain(`Job #${elsewhere} was interrupted`);
    expect(run.stdout).toMatch(new RegExp(`^${mine} +interrupted +lock web `, 'm'));
    expect(run.stdout).toMatch(new RegExp(`^${elsewhere} +interrupted +lock db `, 'm'));

    const shown = await opsbot(['run', `job ${mine}`], { dir });
    expect(shown.exitCode).toBe(0);
    expect(shown.stdout).toContain(`Job #${mine} was interrupted`);
    expect(shown.stdout).toContain('State: interrupted');
    expect(shown.stdout).toContain('TASK [restart]');

    expect((await opsbot(['run', 'lock'], { dir })).stdout).toContain('Nothing is locked.');
    // The target is free for the next job.
    expect((await opsbot(['run', 'lock web'], { dir })).exitCode).toBe(0);
  });

  it('leaves a job of another host alone while its heartbeat is fresh', async () => {
    const dir = tempDir('opsbot-e2e-');
    const id = await leaveOrphan(dir, 'web', 'some-other-host/4242/beef', terminal);
    const run = await opsbot(['run', 'jobs'], { dir });
    expect(run.stdout).not.toContain('was interrupted');
    expect(run.stdout).toMatch(new RegExp(`^${id} +running +lock web `, 'm'));
    const refused = await opsbot(['run', 'lock web'], { dir });
    expect(refused.exitCode).toBe(1);
    expect(refused.stdout).toContain(`\`web\` is already locked by local (job #${id}).`);
  });
});
