/**
 * SQLite's WAL is checkpointed on a timer (src/store/sqlite.ts), not inside commits: the timer must
 * run, must never keep the process alive, and close() must stop it and leave a complete file.
 */
import { copyFile, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Store } from '../../src/core/store.js';
import { openDatabase, openSqliteStore } from '../../src/store/sqlite.js';
import { auditEntry, newJob, started } from './fixtures.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'opsbot-checkpoint-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function runJobs(store: Store, n: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const job = started(await store.jobs.begin(newJob(), auditEntry(), { lock: { key: `k${i}`, ttlMs: 60_000 }, queueIfLocked: false }));
    ids.push(job.id);
  }
  return ids;
}

describe('background WAL checkpoints', () => {
  it('copy committed pages into the database file on each tick, and stop on close', async () => {
    // Only the interval is faked: I/O and promises run for real.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const path = join(await tempDir(), 'opsbot.db');
    const store = await openSqliteStore({ path, checkpointIntervalMs: 1_000 });
    cleanups.push(() => store.close());
    expect(vi.getTimerCount()).toBe(1);

    await runJobs(store, 20);
    // Commits went to the WAL only: no commit checkpointed (that is the point).
    const before = (await stat(path)).size;
    await vi.advanceTimersByTimeAsync(1_000);
    await vi.waitFor(async () => expect((await stat(path)).size).toBeGreaterThan(before), { timeout: 10_000 });

    await store.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('never keeps the process alive, and leaves no timer behind after close', async () => {
    // The store's own interval, picked out by its period: counting every live timer of the worker
    // also counted timers of other code, which can end between two counts.
    const setSpy = vi.spyOn(globalThis, 'setInterval');
    const clearSpy = vi.spyOn(globalThis, 'clearInterval');
    const store = await openSqliteStore({ path: join(await tempDir(), 'opsbot.db'), checkpointIntervalMs: 50 });
    cleanups.push(() => store.close());
    const created = setSpy.mock.results.filter((_, i) => setSpy.mock.calls[i]?.[1] === 50).map((r) => r.value as NodeJS.Timeout);
    expect(created).toHaveLength(1);
    const [timer] = created as [NodeJS.Timeout];
    // The interval exists but is unref'd: it does not count as keeping the event loop alive.
    expect(timer.hasRef()).toBe(false);
    await runJobs(store, 3);
    await store.close();
    expect(clearSpy.mock.calls.some(([cleared]) => cleared === timer)).toBe(true);
    // Closing twice is still fine (shutdown paths do).
    await expect(store.close()).resolves.toBeUndefined();
  });

  it('leaves everything in the database file itself on close, so copying that one file is a backup', async () => {
    const dir = await tempDir();
    const path = join(dir, 'opsbot.db');
    // A long interval: the timer never fires here, so it is close() that completes the file.
    const store = await openSqliteStore({ path, checkpointIntervalMs: 3_600_000 });
    cleanups.push(() => store.close());
    const ids = await runJobs(store, 5);
    await store.close();

    const copyDir = join(dir, 'copy');
    await mkdir(copyDir);
    await copyFile(path, join(copyDir, 'opsbot.db'));
    const copy = await openSqliteStore({ path: join(copyDir, 'opsbot.db') });
    cleanups.push(() => copy.close());
    for (const id of ids) expect((await copy.jobs.get(id))?.state).toBe('running');
  });

  it('opens the file in WAL mode with the documented settings, and a 4 MiB page cache instead of 16', async () => {
    const db = openDatabase(join(await tempDir(), 'opsbot.db'));
    cleanups.push(() => Promise.resolve(db.close()));
    const pragma = (name: string): unknown => db.pragma(name, { simple: true });
    expect(pragma('journal_mode')).toBe('wal');
    expect(pragma('synchronous')).toBe(1); // NORMAL
    expect(pragma('foreign_keys')).toBe(1);
    expect(pragma('busy_timeout')).toBe(5_000);
    expect(pragma('wal_autocheckpoint')).toBe(10_000);
    expect(pragma('cache_size')).toBe(-4_096); // KiB
  });

  it('runs no timer for an in-memory database, which has no WAL', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const store = await openSqliteStore({ path: ':memory:' });
    cleanups.push(() => store.close());
    expect(vi.getTimerCount()).toBe(0);
    await runJobs(store, 1);
  });
});
