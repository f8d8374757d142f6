/**
 * The Store port's contract, run against both engines: a fresh SQLite file or a fresh PostgreSQL
 * database per test, so every test starts from an empty store.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { ConflictError, NotFoundError } from '../../src/core/errors.js';
import type { NewOutboxEntry } from '../../src/core/outbox/ports.js';
import type { AuditEntry, JobFinal, JobRecord, Store } from '../../src/core/store.js';
import { openPostgresStore } from '../../src/store/postgres.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { createTestDatabase } from '../support/postgres.js';
import { alice, auditEntry, bob, newJob, opsChannel, refused, started, t, teamsChat } from './fixtures.js';

interface Opened {
  readonly store: Store;
  /** Another store on the same data: a second replica. Null where the engine has one replica. */
  readonly replica: (() => Promise<Store>) | null;
  dispose(): Promise<void>;
}

interface Engine {
  readonly name: 'sqlite' | 'postgres';
  open(): Promise<Opened>;
}

const engines: Engine[] = [
  {
    name: 'sqlite',
    async open() {
      const dir = await mkdtemp(join(tmpdir(), 'opsbot-store-'));
      // A directory that does not exist yet: the store must create it.
      const store = await openSqliteStore({ path: join(dir, 'data', 'opsbot.db') });
      // better-sqlite3 is synchronous: two connections in one process would block each other's
      // busy wait, so SQLite's concurrency tests run on one connection (it is one replica anyway).
      return { store, replica: null, dispose: () => rm(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'postgres',
    async open() {
      const db = await createTestDatabase(inject('postgresUrl'));
      const store = await openPostgresStore({ url: db.url, poolSize: 8 });
      return { store, replica: () => openPostgresStore({ url: db.url, poolSize: 8 }), dispose: () => db.drop() };
    },
  },
];

const LOCK = { key: 'store-pl', ttlMs: 60_000 };

function final(overrides: Partial<JobFinal> = {}): JobFinal {
  return { state: 'succeeded', summary: 'deployed 1.4.2', error: null, output: 'PLAY RECAP ok=12', refs: { build: '311' }, now: t(30), ...overrides };
}

async function collect(entries: AsyncIterable<AuditEntry>): Promise<AuditEntry[]> {
  const out: AuditEntry[] = [];
  for await (const entry of entries) out.push(entry);
  return out;
}

describe.each(engines)('$name store', (engine) => {
  let opened: Opened;
  let store: Store;
  const extra: Store[] = [];

  beforeEach(async () => {
    opened = await engine.open();
    store = opened.store;
  });

  afterEach(async () => {
    for (const s of extra.splice(0)) await s.close();
    await store.close();
    await opened.dispose();
  });

  it('reports its engine and answers ping', async () => {
    expect(store.engine).toBe(engine.name);
    await expect(store.ping()).resolves.toBeUndefined();
  });

  describe('jobs.begin', () => {
    it('creates a running job without a lock, audited as job_started in the same call', async () => {
      const job = started(await store.jobs.begin(newJob(), auditEntry({ event: 'confirmed' }), { lock: null, queueIfLocked: false }));
      expect(job).toMatchObject({ state: 'running', lockKey: null, startedAt: t(0), heartbeatAt: t(0), finishedAt: null, output: '', refs: {} });
      expect(await store.locks.list(t(0))).toEqual([]);
      const audit = await store.audit.recent(10);
      expect(audit).toHaveLength(1);
      // The event is the store's decision (the job did start), whatever the caller passed.
      expect(audit[0]).toMatchObject({ event: 'job_started', jobId: job.id, command: 'deploy', permission: 'deploy:store-pl' });
    });

    it('round-trips every field, including redacted args JSON, identities and refs', async () => {
      const args = { store: 'store-pl', token: '***', replicas: 3, ratio: 0.25, force: false, tags: ['a', 'b'], nested: { none: null, deep: { x: 'zażółć 🚀 "quoted" \\ \n' } } };
      const job = started(
        await store.jobs.begin(
          newJob({ args, text: 'deploy store-pl --token ***', principal: bob, conversation: teamsChat, dryRun: true, timeoutMs: 3_600_000, owner: 'replica-2/77/xyz' }),
          auditEntry({ principal: bob, conversation: teamsChat, args, refs: { trace: 'abc' } }),
          { lock: null, queueIfLocked: false },
        ),
      );
      const got = await store.jobs.get(job.id);
      expect(got).toStrictEqual(job);
      expect(got).toStrictEqual({
        id: job.id,
        command: 'deploy',
        text: 'deploy store-pl --token ***',
        args,
        state: 'running',
        principal: bob,
        conversation: teamsChat,
        lockKey: null,
        dryRun: true,
        owner: 'replica-2/77/xyz',
        timeoutMs: 3_600_000,
        createdAt: t(0),
        startedAt: t(0),
        finishedAt: null,
        heartbeatAt: t(0),
        step: null,
        progressDone: null,
        progressTotal: null,
        summary: null,
        error: null,
        output: '',
        refs: {},
      });
      // An absent optional field (groups, threadId, name) stays absent rather than becoming undefined.
      expect(Object.keys(got!.principal)).not.toContain('groups');
      expect(Object.keys(got!.conversation)).toEqual(['platform', 'id']);

      const withGroups = started(await store.jobs.begin(newJob(), auditEntry(), { lock: null, queueIfLocked: false }));
      expect((await store.jobs.get(withGroups.id))!.principal).toStrictEqual(alice);
      expect((await store.jobs.get(withGroups.id))!.conversation).toStrictEqual(opsChannel);

      const [, first] = await store.audit.recent(2);
      expect(first).toMatchObject({ principal: bob, conversation: teamsChat, args, refs: { trace: 'abc' } });
    });

    it('filters the audit log by command, person and job, newest first, every given field matching', async () => {
      const job = started(await store.jobs.begin(newJob(), auditEntry(), { lock: null, queueIfLocked: false }));
      await store.audit.append(auditEntry({ event: 'lock', command: 'lock', args: { target: 'web' }, principal: bob }));
      await store.audit.append(auditEntry({ event: 'denied', command: 'deploy', principal: bob }));
      // Same id on another platform: a different person.
      await store.audit.append(auditEntry({ event: 'denied', command: 'deploy', principal: { ...bob, platform: 'mattermost' } }));
      const events = async (filter: Parameters<typeof store.audit.recent>[1]) => (await store.audit.recent(10, filter)).map((e) => `${e.event}:${e.principal.platform}`);
      expect(await events({ command: 'deploy' })).toEqual(['denied:mattermost', 'denied:teams', 'job_started:mattermost']);
      expect(await events({ principal: { platform: 'teams', id: bob.id } })).toEqual(['denied:teams', 'lock:teams']);
      expect(await events({ command: 'deploy', principal: { platform: 'teams', id: bob.id } })).toEqual(['denied:teams']);
      expect(await events({ jobId: job.id })).toEqual(['job_started:mattermost']);
      expect(await events({ command: 'scale' })).toEqual([]);
      expect(await store.audit.recent(1, { command: 'deploy' })).toHaveLength(1);
    });

    it('numbers jobs 1, 2, 3 so people can type `job 2`', async () => {
      const ids: number[] = [];
      for (let i = 0; i < 3; i++) ids.push(started(await store.jobs.begin(newJob(), auditEntry(), { lock: null, queueIfLocked: false })).id);
      expect(ids).toEqual([1, 2, 3]);
    });

    it('takes the lease with the job: holder, job id, acquired now, expiring now + ttl', async () => {
      const job = started(await store.jobs.begin(newJob({ lockKey: 'store-pl' }), auditEntry(), { lock: LOCK, queueIfLocked: false }));
      expect(job.lockKey).toBe('store-pl');
      expect(await store.locks.get('store-pl', t(1))).toStrictEqual({
        key: 'store-pl',
        jobId: job.id,
        holder: alice,
        reason: null,
        acquiredAt: t(0),
        expiresAt: t(60),
      });
    });

    it('refuses a held key without queueing: returns the holder and creates nothing', async () => {
      const first = started(await store.jobs.begin(newJob(), auditEntry(), { lock: LOCK, queueIfLocked: false }));
      const holder = refused(await store.jobs.begin(newJob({ principal: bob, now: t(5) }), auditEntry({ principal: bob, at: t(5) }), { lock: LOCK, queueIfLocked: false }));
      expect(holder).toMatchObject({ key: 'store-pl', jobId: first.id, holder: alice });
      expect(await store.jobs.list({ limit: 10 })).toHaveLength(1);
      expect(await store.audit.recent(10)).toHaveLength(1);
    });

    it('queues behind a held key when asked: state queued, audit job_queued, lease untouched', async () => {
      const first = started(await store.jobs.begin(newJob(), auditEntry(), { lock: LOCK, queueIfLocked: false }));
      const queued = started(await store.jobs.begin(newJob({ principal: bob, now: t(5) }), auditEntry({ principal: bob, at: t(5) }), { lock: LOCK, queueIfLocked: true }));
      expect(queued).toMatchObject({ state: 'queued', lockKey: 'store-pl', startedAt: null, heartbeatAt: null, createdAt: t(5) });
      expect((await store.locks.get('store-pl', t(6)))?.jobId).toBe(first.id);
      expect((await store.audit.recent(1))[0]).toMatchObject({ event: 'job_queued', jobId: queued.id, principal: bob });
    });

    it('treats an expired lease as absent and replaces it', async () => {
      const first = started(await store.jobs.begin(newJob(), auditEntry(), { lock: LOCK, queueIfLocked: false }));
      expect((await store.locks.get('store-pl', t(59)))?.jobId).toBe(first.id);
      // expires_at = t(60): at t(60) the lease is over.
      expect(await store.locks.get('store-pl', t(60))).toBeNull();
      expect(await store.locks.list(t(61))).toEqual([]);
      const second = started(await store.jobs.begin(newJob({ principal: bob, now: t(61) }), auditEntry({ at: t(61) }), { lock: LOCK, queueIfLocked: false }));
      expect(second.state).toBe('running');
      expect(await store.locks.get('store-pl', t(62))).toMatchObject({ jobId: second.id, holder: bob, acquiredAt: t(61), expiresAt: t(121) });
    });

    it('never passes a freeze without expiry, however late', async () => {
      expect(await store.locks.freeze({ key: 'store-pl', holder: bob, reason: 'incident 12', acquiredAt: t(0), expiresAt: null }, auditEntry({ event: 'lock' }))).toEqual({ ok: true });
      const years = 10 * 365 * 24 * 3600;
      const holder = refused(await store.jobs.begin(newJob({ now: t(years) }), auditEntry({ at: t(years) }), { lock: LOCK, queueIfLocked: false }));
      expect(holder).toMatchObject({ jobId: null, holder: bob, reason: 'incident 12', expiresAt: null });
      const queued = started(await store.jobs.begin(newJob({ now: t(years) }), auditEntry({ at: t(years) }), { lock: LOCK, queueIfLocked: true }));
      expect(queued.state).toBe('queued');
    });
  });

  describe('jobs.promote', () => {
    it('stays queued while the key is held, then runs with the lease once it is free', async () => {
      const first = started(await store.jobs.begin(newJob(), auditEntry(), { lock: LOCK, queueIfLocked: false }));
      const queued = started(await store.jobs.begin(newJob({ principal: bob, now: t(1) }), auditEntry({ at: t(1) }), { lock: LOCK, queueIfLocked: true }));

      const blocked = refused(await store.jobs.promote(queued.id, LOCK, auditEntry({ principal: bob, at: t(2) })));
      expect(blocked.jobId).toBe(first.id);
      expect((await store.jobs.get(queued.id))?.state).toBe('queued');

      await store.jobs.finish(first.id, final({ now: t(10) }), auditEntry({ at: t(10) }));
      const promoted = started(await store.jobs.promote(queued.id, LOCK, auditEntry({ principal: bob, at: t(11), event: 'confirmed' })));
      expect(promoted).toMatchObject({ id: queued.id, state: 'running', startedAt: t(11), heartbeatAt: t(11), createdAt: t(1), lockKey: 'store-pl' });
      expect(await store.locks.get('store-pl', t(12))).toMatchObject({ jobId: queued.id, holder: bob, acquiredAt: t(11), expiresAt: t(71) });
      expect((await store.audit.recent(1))[0]).toMatchObject({ event: 'job_started', jobId: queued.id });
    });

    it('lets queued jobs take a free key in the order they were queued, and a later --queue job queue behind them', async () => {
      const first = started(await store.jobs.begin(newJob(), auditEntry(), { lock: LOCK, queueIfLocked: false }));
      const older = started(await store.jobs.begin(newJob({ principal: bob, now: t(1) }), auditEntry({ at: t(1) }), { lock: LOCK, queueIfLocked: true }));
      const younger = started(await store.jobs.begin(newJob({ now: t(2) }), auditEntry({ at: t(2) }), { lock: LOCK, queueIfLocked: true }));
      await store.jobs.finish(first.id, final({ now: t(10) }), auditEntry({ at: t(10) }));

      // The key is free, but the older job waits for it: the younger one polled first and must not win.
      expect(await store.jobs.promote(younger.id, LOCK, auditEntry({ at: t(11) }))).toEqual({ ok: false, holder: null, behind: older.id });
      expect((await store.jobs.get(younger.id))?.state).toBe('queued');
      expect(await store.locks.get('store-pl', t(11))).toBeNull();
      // A job asked for with --queue now goes behind both rather than past them.
      const latest = started(await store.jobs.begin(newJob({ now: t(11) }), auditEntry({ at: t(11) }), { lock: LOCK, queueIfLocked: true }));
      expect(latest.state).toBe('queued');

      expect(started(await store.jobs.promote(older.id, LOCK, auditEntry({ at: t(12) }))).state).toBe('running');
      await store.jobs.finish(older.id, final({ now: t(20) }), auditEntry({ at: t(20) }));
      expect(await store.jobs.promote(latest.id, LOCK, auditEntry({ at: t(21) }))).toMatchObject({ ok: false, behind: younger.id });
      expect(started(await store.jobs.promote(younger.id, LOCK, auditEntry({ at: t(21) }))).state).toBe('running');
    });

    it('does not keep a queue waiting behind a queued job whose process stopped heartbeating it, or whose cancel was asked for', async () => {
      const first = started(await store.jobs.begin(newJob(), auditEntry(), { lock: LOCK, queueIfLocked: false }));
      const abandoned = started(await store.jobs.begin(newJob({ now: t(1) }), auditEntry({ at: t(1) }), { lock: LOCK, queueIfLocked: true }));
      const cancelled = started(await store.jobs.begin(newJob({ now: t(2) }), auditEntry({ at: t(2) }), { lock: LOCK, queueIfLocked: true }));
      const waiting = started(await store.jobs.begin(newJob({ now: t(3) }), auditEntry({ at: t(3) }), { lock: LOCK, queueIfLocked: true }));
      // Their processes heartbeat them while they wait; the first one's stops after t(30).
      await store.jobs.heartbeat([abandoned.id, cancelled.id, waiting.id], t(30), LOCK.ttlMs);
      await store.jobs.heartbeat([cancelled.id, waiting.id], t(80), LOCK.ttlMs);
      await store.jobs.requestCancel(cancelled.id);
      await store.jobs.finish(first.id, final({ now: t(85) }), auditEntry({ at: t(85) }));

      // At t(90) the abandoned job was last heard of a whole lock TTL ago (recovery will end it).
      expect(started(await store.jobs.promote(waiting.id, LOCK, auditEntry({ at: t(90) }))).state).toBe('running');
    });

    it('takes over an expired lease', async () => {
      const first = started(await store.jobs.begin(newJob(), auditEntry(), { lock: LOCK, queueIfLocked: false }));
      const queued = started(await store.jobs.begin(newJob({ now: t(1) }), auditEntry({ at: t(1) }), { lock: LOCK, queueIfLocked: true }));
      const promoted = started(await store.jobs.promote(queued.id, LOCK, auditEntry({ at: t(61) })));
      expect(promoted.state).toBe('running');
      expect((await store.locks.get('store-pl', t(62)))?.jobId).toBe(queued.id);
      // The old job's lease is gone with its row replaced; its own record is untouched.
      expect((await store.jobs.get(first.id))?.state).toBe('running');
    });

    it('refuses a job that is not queued or does not exist', async () => {
      const running = started(await store.jobs.begin(newJob(), auditEntry(), { lock: null, queueIfLocked: false }));
      await expect(store.jobs.promote(running.id, LOCK, auditEntry())).rejects.toBeInstanceOf(ConflictError);
      await expect(store.jobs.promote(999, LOCK, auditEntry())).rejects.toBeInstanceOf(NotFoundError);
      expect(await store.locks.get('store-pl', t(1))).toBeNull();
    });
  });

  describe('jobs.finish', () => {
    it('records the outcome, releases the lease and audits job_finished with the final state', async () => {
      const job = started(await store.jobs.begin(newJob(), auditEntry(), { lock: LOCK, queueIfLocked: false }));
      await store.jobs.progress(job.id, { step: 'build', done: 1, total: 3, output: 'building', refs: { pipeline: '88' } });
      const done = await store.jobs.finish(job.id, final({ state: 'failed', summary: 'health check failed', error: 'green: 503', output: 'tail…' }), auditEntry({ at: t(30), event: 'confirmed' }));
      expect(done).toMatchObject({
        id: job.id,
        state: 'failed',
        summary: 'health check failed',
        error: 'green: 503',
        output: 'tail…',
        // Refs accumulate: the progress report's pipeline survives the final report.
        refs: { pipeline: '88', build: '311' },
        finishedAt: t(30),
        startedAt: t(0),
      });
      expect(await store.jobs.get(job.id)).toStrictEqual(done);
      expect(await store.locks.get('store-pl', t(31))).toBeNull();
      expect((await store.audit.recent(1))[0]).toMatchObject({ event: 'job_finished', jobId: job.id, outcome: 'failed', at: t(30) });
    });

    it('is a no-op on a finished job: same record back, no second audit entry', async () => {
      const job = started(await store.jobs.begin(newJob(), auditEntry(), { lock: LOCK, queueIfLocked: false }));
      const first = await store.jobs.finish(job.id, final(), auditEntry({ at: t(30) }));
      // Someone else took the key after the job ended; a late second finish must not free it.
      const next = started(await store.jobs.begin(newJob({ now: t(31) }), auditEntry({ at: t(31) }), { lock: LOCK, queueIfLocked: false }));
      const again = await store.jobs.finish(job.id, final({ state: 'timed_out', summary: 'late', now: t(40) }), auditEntry({ at: t(40) }));
      expect(again).toStrictEqual(first);
      expect((await store.locks.get('store-pl', t(41)))?.jobId).toBe(next.id);
      const finished = (await store.audit.recent(10)).filter((e) => e.event === 'job_finished');
      expect(finished).toHaveLength(1);
    });

    it('finishes a queued job (cancelled while waiting) without touching the holder’s lease', async () => {
      const holder = started(await store.jobs.begin(newJob(), auditEntry(), { lock: LOCK, queueIfLocked: false }));
      const queued = started(await store.jobs.begin(newJob({ now: t(1) }), auditEntry({ at: t(1) }), { lock: LOCK, queueIfLocked: true }));
      const cancelled = await store.jobs.finish(queued.id, final({ state: 'cancelled', summary: 'cancelled by Bob', refs: {}, now: t(5) }), auditEntry({ at: t(5) }));
      expect(cancelled).toMatchObject({ state: 'cancelled', startedAt: null, finishedAt: t(5) });
      expect((await store.locks.get('store-pl', t(6)))?.jobId).toBe(holder.id);
    });

    it('rejects an unknown job id', async () => {
      await expect(store.jobs.finish(4242, final(), auditEntry())).rejects.toBeInstanceOf(NotFoundError);
      expect(await store.audit.recent(10)).toEqual([]);
    });
  });

  describe('jobs.finishWithPost', () => {
    const post = (job: JobRecord): NewOutboxEntry => ({
      conversation: job.conversation,
      key: `job:${job.id}`,
      message: { title: `Job #${job.id} ${job.state}`, tone: 'success', blocks: [] },
      actors: null,
      now: job.finishedAt ?? t(0),
    });

    it('writes the final post built from the finished record with the job’s end', async () => {
      const job = started(await store.jobs.begin(newJob(), auditEntry(), { lock: LOCK, queueIfLocked: false }));
      const { job: done, posted } = await store.jobs.finishWithPost(job.id, final(), auditEntry({ at: t(30) }), post);
      expect(posted).toBe(true);
      expect(done).toMatchObject({ id: job.id, state: 'succeeded', finishedAt: t(30) });
      const [row] = await store.outbox.due(['mattermost'], t(31), 10);
      expect(row).toMatchObject({ key: `job:${job.id}`, conversation: job.conversation, message: { title: `Job #${job.id} succeeded` } });
      expect(await store.outbox.count('pending')).toBe(1);
    });

    it('writes neither when the post cannot be written: the job is still running and keeps its lease', async () => {
      const job = started(await store.jobs.begin(newJob(), auditEntry(), { lock: LOCK, queueIfLocked: false }));
      const broken = (): NewOutboxEntry => {
        throw new Error('no post');
      };
      await expect(store.jobs.finishWithPost(job.id, final(), auditEntry({ at: t(30) }), broken)).rejects.toThrow('no post');
      expect((await store.jobs.get(job.id))?.state).toBe('running');
      expect((await store.locks.get('store-pl', t(31)))?.jobId).toBe(job.id);
      expect((await store.audit.recent(10)).filter((e) => e.event === 'job_finished')).toEqual([]);
      expect(await store.outbox.count('pending')).toBe(0);
    });

    it('queues nothing for a job that had already ended', async () => {
      const job = started(await store.jobs.begin(newJob(), auditEntry(), { lock: LOCK, queueIfLocked: false }));
      const first = await store.jobs.finish(job.id, final(), auditEntry({ at: t(30) }));
      const again = await store.jobs.finishWithPost(job.id, final({ state: 'timed_out', now: t(40) }), auditEntry({ at: t(40) }), post);
      expect(again).toStrictEqual({ job: first, posted: false });
      expect(await store.outbox.count('pending')).toBe(0);
    });
  });

  describe('jobs.progress', () => {
    it('persists step, counters, output tail and refs of a running job, and ignores finished ones', async () => {
      const job = started(await store.jobs.begin(newJob(), auditEntry(), { lock: null, queueIfLocked: false }));
      await store.jobs.progress(job.id, { step: 'switch traffic', done: 2, total: 5, output: 'line 1\nline 2', refs: { run: 'r-1' } });
      await store.jobs.progress(job.id, { step: 'health', done: 3, total: 5, output: 'line 2\nline 3', refs: { sha: 'abc123' } });
      expect(await store.jobs.get(job.id)).toMatchObject({ step: 'health', progressDone: 3, progressTotal: 5, output: 'line 2\nline 3', refs: { run: 'r-1', sha: 'abc123' } });

      await store.jobs.finish(job.id, final({ output: 'final', refs: {} }), auditEntry());
      await store.jobs.progress(job.id, { step: 'zombie', done: 9, total: 9, output: 'late', refs: { late: 'x' } });
      expect(await store.jobs.get(job.id)).toMatchObject({ step: 'health', output: 'final', refs: { run: 'r-1', sha: 'abc123' } });
    });
  });

  describe('jobs.heartbeat', () => {
    it('moves heartbeat_at and extends the leases of the given jobs only', async () => {
      const a = started(await store.jobs.begin(newJob(), auditEntry(), { lock: { key: 'a', ttlMs: 60_000 }, queueIfLocked: false }));
      const b = started(await store.jobs.begin(newJob(), auditEntry(), { lock: { key: 'b', ttlMs: 60_000 }, queueIfLocked: false }));
      await store.locks.freeze({ key: 'frozen', holder: bob, reason: null, acquiredAt: t(0), expiresAt: t(70) }, auditEntry({ event: 'lock' }));

      expect(await store.jobs.heartbeat([a.id], t(50), 60_000)).toEqual({ cancelRequested: [], lost: [] });
      expect((await store.jobs.get(a.id))?.heartbeatAt).toEqual(t(50));
      expect((await store.jobs.get(b.id))?.heartbeatAt).toEqual(t(0));
      // Without the heartbeat, a's lease would have ended at t(60).
      expect(await store.locks.get('a', t(100))).toMatchObject({ jobId: a.id, expiresAt: t(110) });
      expect(await store.locks.get('b', t(100))).toBeNull();
      expect((await store.locks.get('frozen', t(1)))?.expiresAt).toEqual(t(70));
    });

    it('never shortens a lease and accepts an empty list', async () => {
      const job = started(await store.jobs.begin(newJob(), auditEntry(), { lock: { key: 'long', ttlMs: 3_600_000 }, queueIfLocked: false }));
      await store.jobs.heartbeat([job.id], t(10), 60_000);
      expect((await store.locks.get('long', t(11)))?.expiresAt).toEqual(t(3600));
      expect(await store.jobs.heartbeat([], t(20), 60_000)).toEqual({ cancelRequested: [], lost: [] });
    });

    it('reports the jobs whose cancellation was requested, unfinished ones only', async () => {
      const a = started(await store.jobs.begin(newJob(), auditEntry(), { lock: { key: 'a', ttlMs: 60_000 }, queueIfLocked: false }));
      const b = started(await store.jobs.begin(newJob(), auditEntry(), { lock: null, queueIfLocked: false }));
      const queued = started(await store.jobs.begin(newJob(), auditEntry(), { lock: { key: 'a', ttlMs: 60_000 }, queueIfLocked: true }));
      const done = started(await store.jobs.begin(newJob(), auditEntry(), { lock: null, queueIfLocked: false }));
      await store.jobs.finish(done.id, final(), auditEntry());

      await store.jobs.requestCancel(b.id);
      await store.jobs.requestCancel(queued.id);
      await store.jobs.requestCancel(done.id);
      await store.jobs.requestCancel(9999);
      expect((await store.jobs.heartbeat([a.id, b.id, queued.id, done.id], t(5), 60_000)).cancelRequested).toEqual([b.id, queued.id]);

      await store.jobs.finish(b.id, final({ state: 'cancelled' }), auditEntry());
      expect((await store.jobs.heartbeat([a.id, b.id], t(6), 60_000)).cancelRequested).toEqual([]);
    });

    it('holds a queued job (no lease yet) and a running job without a lock', async () => {
      const holder = started(await store.jobs.begin(newJob(), auditEntry(), { lock: { key: 'a', ttlMs: 60_000 }, queueIfLocked: false }));
      const queued = started(await store.jobs.begin(newJob(), auditEntry(), { lock: { key: 'a', ttlMs: 60_000 }, queueIfLocked: true }));
      const unlocked = started(await store.jobs.begin(newJob(), auditEntry(), { lock: null, queueIfLocked: false }));
      expect(await store.jobs.heartbeat([holder.id, queued.id, unlocked.id], t(10), 60_000)).toEqual({ cancelRequested: [], lost: [] });
      expect((await store.jobs.get(queued.id))?.heartbeatAt).toEqual(t(10));
    });

    it('reports a job whose lease expired as lost and does not renew it, even when nobody took the key yet', async () => {
      const job = started(await store.jobs.begin(newJob(), auditEntry(), { lock: { key: 'a', ttlMs: 3_000 }, queueIfLocked: false }));
      // The process was paused past its lease (3 s): its next heartbeat comes at 10 s.
      expect(await store.jobs.heartbeat([job.id], t(10), 3_000)).toEqual({ cancelRequested: [], lost: [{ jobId: job.id, why: 'lease', lockKey: 'a' }] });
      expect(await store.locks.get('a', t(10))).toBeNull();
      // Its heartbeat does not move either, so recovery still sees it go stale if it is never ended.
      expect((await store.jobs.get(job.id))?.heartbeatAt).toEqual(t(0));
    });

    it("reports a job whose lease another job took as lost, and leaves the new holder's lease alone", async () => {
      const first = started(await store.jobs.begin(newJob({ owner: 'host-a/1/aaaa' }), auditEntry(), { lock: { key: 'a', ttlMs: 3_000 }, queueIfLocked: false }));
      // Process B, at 5 s: the lease has expired, so B's job takes the key.
      const second = started(await store.jobs.begin(newJob({ owner: 'host-b/2/bbbb', now: t(5) }), auditEntry({ at: t(5) }), { lock: { key: 'a', ttlMs: 3_000 }, queueIfLocked: false }));
      // A heartbeats with a clock that says 2 s (behind B's): its lease is gone all the same.
      expect(await store.jobs.heartbeat([first.id], t(2), 3_000)).toEqual({ cancelRequested: [], lost: [{ jobId: first.id, why: 'lease', lockKey: 'a' }] });
      expect(await store.locks.get('a', t(6))).toMatchObject({ jobId: second.id, expiresAt: t(8) });
      // A ends its job: B's lease stays.
      await store.jobs.finish(first.id, final({ state: 'interrupted', error: 'lost its lock', now: t(3) }), auditEntry({ at: t(3) }));
      expect(await store.locks.get('a', t(6))).toMatchObject({ jobId: second.id, expiresAt: t(8) });
      expect(await store.jobs.heartbeat([second.id], t(6), 3_000)).toEqual({ cancelRequested: [], lost: [] });
    });

    it('reports a job that recovery ended as lost; its late progress and end change nothing recovery wrote', async () => {
      const job = started(await store.jobs.begin(newJob(), auditEntry(), { lock: { key: 'a', ttlMs: 3_000 }, queueIfLocked: false }));
      // Another process's recovery: the job is interrupted and its lock released, and a new job takes the key.
      const recovered = await store.jobs.finish(job.id, final({ state: 'interrupted', summary: null, error: 'opsbot stopped', output: 'PLAY [web]', refs: {}, now: t(10) }), auditEntry({ at: t(10) }));
      const next = started(await store.jobs.begin(newJob({ now: t(11) }), auditEntry({ at: t(11) }), { lock: { key: 'a', ttlMs: 3_000 }, queueIfLocked: false }));

      expect(await store.jobs.heartbeat([job.id], t(12), 3_000)).toEqual({ cancelRequested: [], lost: [{ jobId: job.id, why: 'ended', state: 'interrupted' }] });
      await store.jobs.progress(job.id, { step: 'late', done: 1, total: 1, output: 'late output', refs: { late: 'x' } });
      const late = await store.jobs.finish(job.id, final({ state: 'succeeded', now: t(13) }), auditEntry({ at: t(13) }));

      expect(late).toEqual(recovered);
      expect(await store.jobs.get(job.id)).toEqual(recovered);
      expect((await store.audit.recent(20)).filter((e) => e.event === 'job_finished' && e.jobId === job.id).map((e) => e.outcome)).toEqual(['interrupted']);
      expect(await store.locks.get('a', t(13))).toMatchObject({ jobId: next.id });
      expect(await store.jobs.heartbeat([99_999], t(13), 3_000)).toEqual({ cancelRequested: [], lost: [{ jobId: 99_999, why: 'ended', state: null }] });
    });
  });

  describe('jobs queries', () => {
    it('lists newest first, limited, optionally by state; unfinished lists queued and running oldest first', async () => {
      const one = started(await store.jobs.begin(newJob(), auditEntry(), { lock: LOCK, queueIfLocked: false }));
      const two = started(await store.jobs.begin(newJob(), auditEntry(), { lock: LOCK, queueIfLocked: true }));
      const three = started(await store.jobs.begin(newJob(), auditEntry(), { lock: null, queueIfLocked: false }));
      await store.jobs.finish(three.id, final(), auditEntry());

      expect((await store.jobs.list({ limit: 10 })).map((j) => j.id)).toEqual([three.id, two.id, one.id]);
      expect((await store.jobs.list({ limit: 2 })).map((j) => j.id)).toEqual([three.id, two.id]);
      expect((await store.jobs.list({ limit: 10, states: ['queued', 'succeeded'] })).map((j) => j.id)).toEqual([three.id, two.id]);
      expect(await store.jobs.list({ limit: 10, states: [] })).toEqual([]);
      expect((await store.jobs.unfinished()).map((j) => [j.id, j.state])).toEqual([
        [one.id, 'running'],
        [two.id, 'queued'],
      ]);
      expect(await store.jobs.get(12345)).toBeNull();
    });

    it('counts every state, zeros included', async () => {
      const zeros = { queued: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0, timed_out: 0, interrupted: 0 };
      expect(await store.jobs.countByState()).toStrictEqual(zeros);

      started(await store.jobs.begin(newJob(), auditEntry(), { lock: LOCK, queueIfLocked: false }));
      started(await store.jobs.begin(newJob(), auditEntry(), { lock: LOCK, queueIfLocked: true }));
      started(await store.jobs.begin(newJob(), auditEntry(), { lock: LOCK, queueIfLocked: true }));
      const failed = started(await store.jobs.begin(newJob(), auditEntry(), { lock: null, queueIfLocked: false }));
      await store.jobs.finish(failed.id, final({ state: 'failed' }), auditEntry());
      expect(await store.jobs.countByState()).toStrictEqual({ ...zeros, queued: 2, running: 1, failed: 1 });
    });
  });

  describe('audit', () => {
    it('appends with an id and lists the most recent first', async () => {
      const a = await store.audit.append(auditEntry({ event: 'denied', outcome: 'denied', at: t(1), args: null }));
      const b = await store.audit.append(auditEntry({ event: 'rejected', at: t(2), detail: 'bad version', refs: { hint: 'x' } }));
      const c = await store.audit.append(auditEntry({ event: 'conflict', at: t(3), principal: bob, conversation: teamsChat }));
      expect(a.id).toBeLessThan(b.id);
      expect(b.id).toBeLessThan(c.id);
      expect(a).toMatchObject({ event: 'denied', outcome: 'denied' });

      const recent = await store.audit.recent(2);
      expect(recent).toStrictEqual([c, b]);
      expect((await store.audit.recent(10))[2]).toStrictEqual(a);
      expect(a.args).toBeNull();
    });

    it('keeps whether an entry was a dry run; an entry that does not say is real', async () => {
      const dry = await store.audit.append(auditEntry({ event: 'job_started', at: t(1), dryRun: true }));
      const real = await store.audit.append(auditEntry({ event: 'job_started', at: t(2) }));
      expect([dry.dryRun, real.dryRun]).toEqual([true, false]);
      expect((await store.audit.recent(2)).map((e) => e.dryRun)).toEqual([false, true]);
      expect((await collect(store.audit.since(null))).map((e) => e.dryRun)).toEqual([true, false]);
    });

    it('streams oldest first across many pages, optionally from a time', async () => {
      const total = 1203; // three pages of 500, the last one partial
      for (let i = 0; i < total; i++) await store.audit.append(auditEntry({ at: t(i), detail: `#${i}`, event: 'confirm_requested' }));

      const all = await collect(store.audit.since(null));
      expect(all).toHaveLength(total);
      expect(all.map((e) => e.detail)).toEqual(Array.from({ length: total }, (_, i) => `#${i}`));
      expect(all.every((e, i) => i === 0 || e.id > all[i - 1]!.id)).toBe(true);

      const tail = await collect(store.audit.since(t(1000)));
      expect(tail.map((e) => e.detail)).toEqual(Array.from({ length: 203 }, (_, i) => `#${1000 + i}`));
      expect(await collect(store.audit.since(t(total)))).toEqual([]);
    });
  });

  describe('locks', () => {
    it('freezes a free key and refuses a second freeze with the holder, audited only when done', async () => {
      const frozen = await store.locks.freeze({ key: 'web', holder: alice, reason: 'release day', acquiredAt: t(0), expiresAt: null }, auditEntry({ event: 'lock', command: 'lock' }));
      expect(frozen).toEqual({ ok: true });
      const second = await store.locks.freeze({ key: 'web', holder: bob, reason: null, acquiredAt: t(5), expiresAt: null }, auditEntry({ event: 'lock', principal: bob }));
      expect(second).toStrictEqual({ ok: false, holder: { key: 'web', jobId: null, holder: alice, reason: 'release day', acquiredAt: t(0), expiresAt: null } });
      expect((await store.audit.recent(10)).map((e) => [e.event, e.principal.id])).toEqual([['lock', alice.id]]);
      expect(await store.locks.list(t(10))).toHaveLength(1);
    });

    it('refuses to freeze over a running job’s live lease but takes an expired one', async () => {
      const job = started(await store.jobs.begin(newJob(), auditEntry(), { lock: LOCK, queueIfLocked: false }));
      const blocked = await store.locks.freeze({ key: 'store-pl', holder: bob, reason: null, acquiredAt: t(10), expiresAt: null }, auditEntry({ event: 'lock' }));
      expect(blocked).toMatchObject({ ok: false, holder: { jobId: job.id } });
      const late = await store.locks.freeze({ key: 'store-pl', holder: bob, reason: null, acquiredAt: t(60), expiresAt: null }, auditEntry({ event: 'lock' }));
      expect(late).toEqual({ ok: true });
      expect(await store.locks.get('store-pl', t(61))).toMatchObject({ jobId: null, holder: bob });
    });

    it('releases a freeze once, with its audit entry; a second release finds nothing', async () => {
      await store.locks.freeze({ key: 'web', holder: alice, reason: 'why', acquiredAt: t(0), expiresAt: null }, auditEntry({ event: 'lock' }));
      const released = await store.locks.release('web', auditEntry({ event: 'unlock', principal: bob, at: t(5) }));
      expect(released).toStrictEqual({ key: 'web', jobId: null, holder: alice, reason: 'why', acquiredAt: t(0), expiresAt: null });
      expect(await store.locks.get('web', t(6))).toBeNull();
      expect(await store.locks.release('web', auditEntry({ event: 'unlock', at: t(7) }))).toBeNull();
      expect((await store.audit.recent(10)).map((e) => e.event)).toEqual(['unlock', 'lock']);
      // Free again: a job can take it.
      started(await store.jobs.begin(newJob({ now: t(8) }), auditEntry(), { lock: { key: 'web', ttlMs: 1000 }, queueIfLocked: false }));
    });

    it('never releases a running job’s lease', async () => {
      const job = started(await store.jobs.begin(newJob(), auditEntry(), { lock: LOCK, queueIfLocked: false }));
      expect(await store.locks.release('store-pl', auditEntry({ event: 'unlock' }))).toBeNull();
      expect((await store.locks.get('store-pl', t(1)))?.jobId).toBe(job.id);
      expect((await store.audit.recent(10)).map((e) => e.event)).toEqual(['job_started']);
    });

    it('lets a timed freeze lapse: absent after expiry, and unlocking it then is a no-op', async () => {
      await store.locks.freeze({ key: 'db', holder: alice, reason: null, acquiredAt: t(0), expiresAt: t(60) }, auditEntry({ event: 'lock' }));
      expect(await store.locks.get('db', t(59))).toMatchObject({ expiresAt: t(60) });
      expect(await store.locks.get('db', t(60))).toBeNull();
      expect(await store.locks.release('db', auditEntry({ event: 'unlock', at: t(61) }))).toBeNull();
      expect((await store.audit.recent(10)).map((e) => e.event)).toEqual(['lock']);
    });

    it('lists live locks only, by key', async () => {
      await store.locks.freeze({ key: 'zeta', holder: alice, reason: null, acquiredAt: t(0), expiresAt: null }, auditEntry({ event: 'lock' }));
      await store.locks.freeze({ key: 'short', holder: alice, reason: null, acquiredAt: t(0), expiresAt: t(10) }, auditEntry({ event: 'lock' }));
      const job = started(await store.jobs.begin(newJob(), auditEntry(), { lock: { key: 'alpha', ttlMs: 60_000 }, queueIfLocked: false }));
      expect((await store.locks.list(t(5))).map((l) => l.key)).toEqual(['alpha', 'short', 'zeta']);
      expect((await store.locks.list(t(30))).map((l) => [l.key, l.jobId])).toEqual([
        ['alpha', job.id],
        ['zeta', null],
      ]);
    });
  });

  describe('confirmations', () => {
    const pending = { code: 'K7QX', principalKey: 'mattermost:u8k3alice', conversationKey: 'mattermost:ch-ops', text: 'rollback store-pl', expiresAt: t(120) };

    it('is consumed once, by its owner in its conversation', async () => {
      await store.confirmations.create(pending);
      expect(await store.confirmations.consume('K7QX', 'mattermost:u8k3alice', 'mattermost:ch-ops', t(10))).toStrictEqual(pending);
      expect(await store.confirmations.consume('K7QX', 'mattermost:u8k3alice', 'mattermost:ch-ops', t(11))).toBeNull();
    });

    it('does not let another person or another conversation use — or burn — the code', async () => {
      await store.confirmations.create(pending);
      expect(await store.confirmations.consume('K7QX', 'teams:aad-0b0b', 'mattermost:ch-ops', t(10))).toBeNull();
      expect(await store.confirmations.consume('K7QX', 'mattermost:u8k3alice', 'teams:19:abc@thread.v2', t(10))).toBeNull();
      expect(await store.confirmations.consume('NOPE', 'mattermost:u8k3alice', 'mattermost:ch-ops', t(10))).toBeNull();
      expect(await store.confirmations.consume('K7QX', 'mattermost:u8k3alice', 'mattermost:ch-ops', t(10))).toStrictEqual(pending);
    });

    it('expires', async () => {
      await store.confirmations.create(pending);
      await store.confirmations.create({ ...pending, code: 'LATER', expiresAt: t(600) });
      expect(await store.confirmations.consume('K7QX', 'mattermost:u8k3alice', 'mattermost:ch-ops', t(120))).toBeNull();
      // The expired code stays dead even if the clock were to go back; the live one is untouched.
      expect(await store.confirmations.consume('K7QX', 'mattermost:u8k3alice', 'mattermost:ch-ops', t(1))).toBeNull();
      expect(await store.confirmations.consume('LATER', 'mattermost:u8k3alice', 'mattermost:ch-ops', t(121))).toMatchObject({ code: 'LATER' });
    });

    it('can be consumed by exactly one of several concurrent attempts', async () => {
      await store.confirmations.create(pending);
      const results = await Promise.all(Array.from({ length: 10 }, () => store.confirmations.consume('K7QX', 'mattermost:u8k3alice', 'mattermost:ch-ops', t(10))));
      expect(results.filter((r) => r !== null)).toHaveLength(1);
    });
  });

  describe('concurrency', () => {
    /** On PostgreSQL half the attempts go through a second pool, as from another replica. */
    async function stores(): Promise<Store[]> {
      if (opened.replica === null) return [store];
      const other = await opened.replica();
      extra.push(other);
      return [store, other];
    }

    it('lets exactly one of 20 concurrent begins on a key win', async () => {
      const pool = await stores();
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          pool[i % pool.length]!.jobs.begin(newJob({ owner: `r${i}` }), auditEntry(), { lock: LOCK, queueIfLocked: false }),
        ),
      );
      const winners = results.filter((r) => r.ok);
      expect(winners).toHaveLength(1);
      const winner = started(winners[0]!);
      for (const r of results.filter((x) => !x.ok)) expect(refused(r).jobId).toBe(winner.id);
      expect((await store.jobs.list({ limit: 100 })).map((j) => j.id)).toEqual([winner.id]);
      expect(await store.audit.recent(100)).toHaveLength(1);
      expect((await store.locks.get('store-pl', t(1)))?.jobId).toBe(winner.id);
    });

    it('queues all but one of 20 concurrent begins when queueing', async () => {
      const pool = await stores();
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => pool[i % pool.length]!.jobs.begin(newJob(), auditEntry(), { lock: LOCK, queueIfLocked: true })),
      );
      const jobs = results.map(started);
      expect(jobs.filter((j) => j.state === 'running')).toHaveLength(1);
      expect(jobs.filter((j) => j.state === 'queued')).toHaveLength(19);
      expect(await store.jobs.countByState()).toMatchObject({ running: 1, queued: 19 });
      const events = (await store.audit.recent(100)).map((e) => e.event);
      expect(events.filter((e) => e === 'job_started')).toHaveLength(1);
      expect(events.filter((e) => e === 'job_queued')).toHaveLength(19);
    });

    it('lets exactly one of 10 concurrent freezes win', async () => {
      const pool = await stores();
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          pool[i % pool.length]!.locks.freeze({ key: 'web', holder: alice, reason: `r${i}`, acquiredAt: t(0), expiresAt: null }, auditEntry({ event: 'lock' })),
        ),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(await store.audit.recent(100)).toHaveLength(1);
    });

    it('finishes a job once when two finishes race', async () => {
      const pool = await stores();
      const job = started(await store.jobs.begin(newJob(), auditEntry(), { lock: LOCK, queueIfLocked: false }));
      const [a, b] = await Promise.all([
        pool[0]!.jobs.finish(job.id, final({ state: 'succeeded' }), auditEntry()),
        pool[pool.length - 1]!.jobs.finish(job.id, final({ state: 'timed_out' }), auditEntry()),
      ]);
      expect(a).toStrictEqual(b);
      expect((await store.audit.recent(10)).filter((e) => e.event === 'job_finished')).toHaveLength(1);
    });
  });

  it('closes idempotently', async () => {
    await store.close();
    await expect(store.close()).resolves.toBeUndefined();
    await expect(store.ping()).rejects.toThrow();
  });
});
