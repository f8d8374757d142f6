/**
 * The job runner through the dispatcher, on the real SQLite store (and PostgreSQL for two replicas):
 * final states, cancel, timeout, locks, queueing, freezes, progress, output, shutdown.
 */
import { afterAll, afterEach, describe, expect, inject, it, vi } from 'vitest';
import { ConflictError, defineCommand, msg, BackendError } from '../../src/core/index.js';
import { recoverInterruptedJobs } from '../../src/core/jobs/recovery.js';
import type { JobEvent } from '../../src/core/jobs/runner.js';
import { nullNotifier } from '../../src/core/notify.js';
import type { Store } from '../../src/core/store.js';
import { Client } from 'pg';
import { CANCEL_CHANNEL } from '../../src/store/jobs.js';
import { openPostgresStore } from '../../src/store/postgres.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { Gates, eventually, lockableServices, memoryLogger, people, places, removeTempDirs, startTestApp, type TestApp, type TestAppOptions } from '../support/app.js';
import { auditEntry, newJob, started as begun } from '../store/fixtures.js';

const gates = new Gates();
/** Per gate: whether the handler's signal was aborted when it stopped waiting. */
const abortedAt = new Map<string, unknown>();

/** Takes the lock on `target`, reports progress, waits at gate `--gate` (default: the target). */
const hold = defineCommand({
  name: 'hold',
  summary: 'Test: hold a target until the test opens the gate.',
  examples: ['hold web'],
  args: {
    target: { type: 'string', positional: 0, required: true, description: 'The target.' },
    gate: { type: 'string', description: 'The gate to wait at.' },
    stuck: { type: 'boolean', description: 'Ignore the abort signal, like a hung backend call.' },
  },
  permission: ({ target }) => `test:hold:${target}`,
  sideEffect: 'mutates',
  lock: ({ target }) => target,
  async run({ target, gate, stuck }, ctx) {
    const name = gate ?? target;
    ctx.log(`holding ${target}`);
    ctx.progress('phase two', { done: 2, total: 3 });
    try {
      await gates.wait(name, stuck ? null : ctx.signal);
    } catch (error) {
      abortedAt.set(name, ctx.signal.reason);
      throw error;
    }
    return msg.text(`released ${target}`, 'success');
  },
});

const fail = defineCommand({
  name: 'fail',
  summary: 'Test: a job whose backend fails.',
  examples: ['fail'],
  args: {},
  permission: () => 'test:fail',
  sideEffect: 'mutates',
  run(_args, ctx) {
    ctx.log('PLAY [web] ***');
    throw new BackendError('ansible-playbook exited with 2', 'ansible');
  },
});

const slow = defineCommand({
  name: 'slow',
  summary: 'Test: a job that outlives its timeout.',
  examples: ['slow'],
  args: {},
  permission: () => 'test:slow',
  sideEffect: 'mutates',
  lock: () => 'slow-target',
  timeout: 50,
  async run(_args, ctx) {
    try {
      await gates.wait('never', ctx.signal);
    } catch (error) {
      abortedAt.set('never', ctx.signal.reason);
      throw error;
    }
    return msg.text('unreachable');
  },
});

/** Logs and reports progress `--lines` times without yielding: one burst. */
const chatty = defineCommand({
  name: 'chatty',
  summary: 'Test: a burst of output and progress.',
  examples: ['chatty --lines 10'],
  args: {
    lines: { type: 'integer', default: 10, description: 'How many lines.' },
    say: { type: 'string', description: 'An extra line to log.' },
  },
  permission: () => 'test:chatty',
  sideEffect: 'mutates',
  run({ lines, say }, ctx) {
    for (let i = 1; i <= lines; i += 1) {
      ctx.log(`line ${String(i).padStart(4, '0')} of the playbook output`);
      ctx.progress(`step ${i}`, { done: i, total: lines });
    }
    if (say !== undefined) ctx.log(say);
    return msg.text(`said ${lines} lines`);
  },
});

const CONFIG_SECRET = 'pg-pass-Zq81x';

/** Logs a connection string built from a config secret, as a backend's error output would. */
const leak = defineCommand({
  name: 'leak',
  summary: 'Test: output that contains a config secret.',
  examples: ['leak'],
  args: {},
  permission: () => 'test:leak',
  sideEffect: 'mutates',
  run(_args, ctx) {
    ctx.log(`psql: could not connect to postgres://opsbot:${CONFIG_SECRET}@db:5432/opsbot`);
    ctx.progress(`retrying with ${CONFIG_SECRET}`);
    throw new BackendError(`connection refused for opsbot:${CONFIG_SECRET}`, 'postgres');
  },
});

const commands = [hold, fail, slow, chatty, leak];
const apps: TestApp[] = [];
const databases: TestDatabase[] = [];
const extraStores: Store[] = [];

async function app(options: TestAppOptions = {}): Promise<TestApp> {
  const t = await startTestApp({ extraCommands: commands, ...options });
  apps.push(t);
  return t;
}

afterEach(async () => {
  // Let every handler still waiting go, then stop the apps.
  gates.reset();
  abortedAt.clear();
  for (const t of apps.splice(0)) await t.close();
  for (const store of extraStores.splice(0)) await store.close();
});

afterAll(async () => {
  removeTempDirs();
  for (const db of databases) await db.drop();
});

describe('final states', () => {
  it('ends `succeeded`, audited before and after, with the lock released', async () => {
    const t = await app();
    const started = await t.start('hold web');
    expect(started.job.state).toBe('running');
    await gates.entered('web');
    expect((await t.store.locks.get('web', new Date()))?.jobId).toBe(started.job.id);
    gates.open('web');
    const { job, text } = await started.completion;
    expect(job).toMatchObject({ state: 'succeeded', summary: 'released web', error: null, output: 'holding web' });
    expect(text).toContain('released web');
    expect(await t.store.locks.get('web', new Date())).toBeNull();
    const audit = (await t.store.audit.recent(10)).reverse();
    expect(audit.map((e) => [e.event, e.jobId, e.outcome])).toEqual([
      ['job_started', job.id, null],
      ['job_finished', job.id, 'succeeded'],
    ]);
  });

  it('ends `failed` with the backend error and keeps the output', async () => {
    const t = await app();
    const { job, text } = await t.runJob('fail');
    expect(job).toMatchObject({ state: 'failed', error: 'ansible-playbook exited with 2', output: 'PLAY [web] ***' });
    expect(text).toContain(`Job #${job.id} failed`);
    expect(text).toContain(`see \`job ${job.id}\` for its log`);
  });

  it('ends `timed_out` when the command outlives its timeout, aborting its signal', async () => {
    const t = await app();
    const { job } = await t.runJob('slow');
    expect(job.state).toBe('timed_out');
    expect(job.error).toMatch(/^Timed out after/);
    expect(abortedAt.get('never')).toBeInstanceOf(Error);
    expect(await t.store.locks.get('slow-target', new Date())).toBeNull();
  });

  it('uses the configured default timeout for commands that set none', async () => {
    const t = await app({ jobs: { timeout: 40 } });
    const { job } = await t.runJob('hold web --gate c');
    expect(job.state).toBe('timed_out');
    expect(job.timeoutMs).toBe(40);
  });
});

describe('cancel', () => {
  it('`cancel <id>` aborts ctx.signal; the job ends `cancelled` and its lock is released', async () => {
    const t = await app();
    const started = await t.start('hold web');
    await gates.entered('web');
    const said = await t.say(`cancel ${started.job.id}`, people.oscar);
    expect(said.text).toContain(`Cancelling job #${started.job.id}`);
    const { job, text } = await started.completion;
    expect(job.state).toBe('cancelled');
    expect(job.error).toBe('Cancelled by Oscar.');
    expect(text).toContain(`Job #${job.id} was cancelled`);
    expect(abortedAt.get('web')).toBeInstanceOf(Error);
    expect(await t.store.locks.get('web', new Date())).toBeNull();
    const events = (await t.store.audit.recent(10)).reverse().map((e) => [e.event, e.principal.name, e.outcome]);
    expect(events).toEqual([
      ['job_started', 'Olga', null],
      ['cancel_requested', 'Oscar', null],
      ['job_finished', 'Olga', 'cancelled'],
    ]);
  });

  it('ends a job whose handler ignores the signal (a hung call) all the same', async () => {
    const t = await app();
    const started = await t.start('hold web --stuck');
    await gates.entered('web');
    await t.say(`cancel ${started.job.id}`);
    const { job } = await started.completion;
    expect(job.state).toBe('cancelled');
    expect(await t.store.locks.get('web', new Date())).toBeNull();
  });

  it('reaches a job running on another replica through the store and its heartbeat (PostgreSQL)', async () => {
    const db = await createTestDatabase(inject('postgresUrl'));
    databases.push(db);
    const storeA: Store = await openPostgresStore({ url: db.url, poolSize: 4 });
    const storeB: Store = await openPostgresStore({ url: db.url, poolSize: 4 });
    const a = await app({ store: storeA, instance: 'replica-a' });
    const b = await app({ store: storeB, instance: 'replica-b' });

    const started = await a.start('hold web');
    await gates.entered('web');
    // B sees A's lock...
    const refused = await b.say('hold web', people.oscar);
    expect(refused.status).toBe('conflict');
    expect(refused.text).toContain(`\`web\` is locked by Olga (job #${started.job.id}`);
    // ...and cancels A's job, which only A can abort.
    const said = await b.say(`cancel ${started.job.id}`, people.oscar);
    expect(said.text).toContain(`Cancelling job #${started.job.id}`);
    const { job } = await started.completion;
    expect(job.state).toBe('cancelled');
    expect(job.error).toBe('Cancelled from another opsbot replica.');
    expect(await storeB.locks.get('web', new Date())).toBeNull();
    expect((await storeB.jobs.get(job.id))?.state).toBe('cancelled');
  });

  it('wakes the replica running the job at once, without waiting for its heartbeat (PostgreSQL NOTIFY)', async () => {
    const db = await createTestDatabase(inject('postgresUrl'));
    databases.push(db);
    const storeA: Store = await openPostgresStore({ url: db.url, poolSize: 4 });
    const storeB: Store = await openPostgresStore({ url: db.url, poolSize: 4 });
    // A heartbeat of an hour: only the notification can bring the cancel within the test.
    const slowBeat = { heartbeat: 3_600_000, lockTtl: 7_200_000 };
    const a = await app({ store: storeA, instance: 'replica-a', jobs: slowBeat });
    const b = await app({ store: storeB, instance: 'replica-b', jobs: slowBeat });

    const observer = new Client({ connectionString: db.url });
    await observer.connect();
    const listeners = async (): Promise<number> =>
      Number((await observer.query<{ n: string }>("select count(*) as n from pg_stat_activity where datname = current_database() and query = $1", [`LISTEN ${CANCEL_CHANNEL}`])).rows[0]?.n);

    const started = await a.start('hold web');
    await gates.entered('web');
    // A listens from its first job on; a cancel asked before that would be read when it starts listening.
    await eventually(listeners, (n) => n === 1, 'replica A listening for cancels');
    await b.say(`cancel ${started.job.id}`, people.oscar);
    const { job } = await started.completion;
    expect(job.state).toBe('cancelled');
    expect(job.error).toBe('Cancelled from another opsbot replica.');
    // A notification only makes A look: a job nobody asked to cancel goes on.
    const other = await a.start('hold db');
    await gates.entered('db');
    await observer.query('select pg_notify($1, $2)', [CANCEL_CHANNEL, String(other.job.id)]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await storeA.jobs.get(other.job.id))?.state).toBe('running');
    gates.open('db');
    expect((await other.completion).job.state).toBe('succeeded');
    // The listening connection is cut (a PostgreSQL restart, a proxy's idle timeout): A listens again.
    await observer.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and query = $1', [`LISTEN ${CANCEL_CHANNEL}`]);
    await eventually(listeners, (n) => n === 1, 'replica A listening again');
    const third = await a.start('hold api');
    await gates.entered('api');
    await b.say(`cancel ${third.job.id}`, people.oscar);
    expect((await third.completion).job.state).toBe('cancelled');
    expect(a.logs.some((e) => e.level === 'warn' && e.msg?.startsWith('cancel wake-ups lost their connection'))).toBe(true);
    await a.close();
    // Closed, A no longer holds a connection for it.
    await eventually(listeners, (n) => n === 0, 'replica A no longer listening');
    await observer.end();
  });
});

/** Process A runs the job (an app); process B, on the same data, is a second store (the same one on SQLite). */
const engines = [
  {
    name: 'sqlite',
    async open(): Promise<{ a: TestApp; b: Store }> {
      const a = await app({ instance: 'host-a' });
      return { a, b: a.store };
    },
  },
  {
    name: 'postgres',
    async open(): Promise<{ a: TestApp; b: Store }> {
      const db = await createTestDatabase(inject('postgresUrl'));
      databases.push(db);
      const a = await app({ store: await openPostgresStore({ url: db.url, poolSize: 4 }), instance: 'host-a' });
      const b = await openPostgresStore({ url: db.url, poolSize: 4 });
      extraStores.push(b);
      return { a, b };
    },
  },
];

/** Process B starts its own job on `key` at `at` (by its clock); throws if the key is held then. */
async function otherProcessLocks(b: Store, key: string, at: Date): Promise<number> {
  const job = begun(await b.jobs.begin(newJob({ owner: 'host-b/2/bbbb', lockKey: key, now: at }), auditEntry({ at }), { lock: { key, ttlMs: 5_000 }, queueIfLocked: false }));
  return job.id;
}

describe.each(engines)('losing the lock ($name)', (engine) => {
  it('stops a job that recovery in another process marked interrupted; its own end keeps what recovery wrote', async () => {
    const { a, b } = await engine.open();
    const running = await a.start('hold web');
    await gates.entered('web');

    // Process B starts while A is paused: by B's clock A's heartbeat is stale (twice the 5 s lease).
    const later = (): Date => new Date(Date.now() + 11_000);
    const { recovered } = await recoverInterruptedJobs({
      store: b,
      clock: { now: later },
      logger: memoryLogger(),
      notifier: nullNotifier,
      me: { host: 'host-b', pid: 2, nonce: 'bbbb', space: null },
      pidAlive: () => true,
      staleAfterMs: 10_000,
      quietAfterMs: 50,
      startedAt: later(),
      reportedDuplicates: new Set(),
    });
    expect(recovered.map((j) => j.id)).toEqual([running.job.id]);
    const second = await otherProcessLocks(b, 'web', later());

    await eventually(() => abortedAt.has('web'), Boolean, 'A to stop its job');
    expect(String(abortedAt.get('web'))).toContain('Lost its lock: another opsbot process took over and recorded this job as interrupted');
    const { job, text } = await running.completion;
    expect(job).toEqual(await b.jobs.get(running.job.id));
    expect(job).toMatchObject({ state: 'interrupted', error: recovered[0]?.error });
    expect(text).toContain(`Job #${job.id} was interrupted`);
    expect(text).toContain('Lost its lock: another opsbot process took over');
    expect((await b.audit.recent(20)).filter((e) => e.event === 'job_finished' && e.jobId === job.id).map((e) => e.outcome)).toEqual(['interrupted']);
    expect((await b.locks.get('web', later()))?.jobId).toBe(second);
  });

  it('stops a job whose expired lease another process took, and leaves the new lease alone', async () => {
    const { a, b } = await engine.open();
    const running = await a.start('hold web');
    await gates.entered('web');

    // B's clock runs past A's lease (5 s), not yet past the staleness recovery waits for.
    const later = new Date(Date.now() + 6_000);
    const second = await otherProcessLocks(b, 'web', later);
    const lease = await b.locks.get('web', later);

    const { job } = await running.completion;
    expect(job.state).toBe('interrupted');
    expect(job.error).toContain('Lost its lock on `web`: its lease ran out and another opsbot process may have taken over.');
    expect(job.output).toContain('opsbot: Lost its lock on `web`');
    expect(String(abortedAt.get('web'))).toContain('Lost its lock on `web`');
    expect(await b.locks.get('web', later)).toEqual(lease);
    expect(lease?.jobId).toBe(second);
    expect((await b.jobs.get(second))?.state).toBe('running');
  });
});

describe('losing the lock by the clock', () => {
  it('stops a job whose lease was not renewed within its TTL (the process was paused), before the store says anything', async () => {
    const t = await app();
    const running = await t.start('hold web');
    await gates.entered('web');
    // Nothing else happened in the store: only this process's clock shows the lease ran out.
    t.clock.advance(5_000);
    const { job } = await running.completion;
    expect(job.state).toBe('interrupted');
    expect(job.error).toContain('Lost its lock: its lease was not renewed for 5s');
    expect(await t.store.locks.get('web', t.clock.now())).toBeNull();
  });
});

describe('locks', () => {
  it('refuses a second job on a locked target with a ConflictError naming the holder and the job', async () => {
    const t = await app();
    const first = await t.start('hold web');
    await gates.entered('web');

    const said = await t.say('hold web --gate b', people.oscar);
    expect(said.status).toBe('conflict');
    // The time as everything else shows it, not a raw ISO string.
    expect(said.text).toMatch(new RegExp(`\`web\` is locked by Olga \\(job #${first.job.id}, since \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}Z\\)`));
    expect(said.text).toContain('Add --queue to wait for it');
    const conflict = (await t.store.audit.recent(1))[0];
    expect(conflict).toMatchObject({ event: 'conflict', principal: people.oscar, command: 'hold' });
    expect(conflict?.detail).toContain(`job #${first.job.id}`);

    // The runner itself throws the ConflictError the dispatcher turned into that reply.
    const command = t.app.registry.find('hold');
    if (command === null) throw new Error('hold is not registered');
    const attempt = t.app.runner.start({
      command,
      values: { target: 'web', stuck: false },
      text: 'hold web',
      redactedArgs: { target: 'web' },
      permission: 'test:hold:web',
      principal: people.oscar,
      conversation: places.ops,
      invocationId: 'direct',
      dryRun: false,
      queue: false,
      secrets: [],
    });
    await expect(attempt).rejects.toBeInstanceOf(ConflictError);
    await expect(attempt).rejects.toThrow(`locked by Olga (job #${first.job.id}`);
    expect(await t.store.jobs.list({ limit: 10 })).toHaveLength(1);
  });

  it('with --queue, waits as `queued` and runs once the holder finishes', async () => {
    const t = await app();
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    try {
      const promote = vi.spyOn(t.store.jobs, 'promote');
      const first = await t.start('hold web --gate a');
      await gates.entered('a');
      const second = await t.start('hold web --gate b --queue', people.oscar);
      expect(second.job.state).toBe('queued');
      expect((await t.store.jobs.get(second.job.id))?.state).toBe('queued');

      // Let it poll for the lock a good number of times while the first job holds it.
      await eventually(() => promote.mock.calls.length, (n) => n >= 15, 'the queued job to retry its lock');
      expect((await t.store.jobs.get(second.job.id))?.state).toBe('queued');

      gates.open('a');
      expect((await first.completion).job.state).toBe('succeeded');
      await gates.entered('b');
      expect((await t.store.locks.get('web', new Date()))?.jobId).toBe(second.job.id);
      expect(t.notices.map((n) => n.text)).toContainEqual(expect.stringContaining(`Job #${second.job.id} (hold web --gate b) got its lock and is starting.`));
      gates.open('b');
      expect((await second.completion).job.state).toBe('succeeded');

      const events = (await t.store.audit.recent(20)).reverse().filter((e) => e.jobId === second.job.id).map((e) => e.event);
      expect(events).toEqual(['job_queued', 'job_started', 'job_finished']);
      // Waiting must not pile up listeners on the job's AbortSignal.
      expect(warnings.filter((w) => w.includes('MaxListenersExceeded'))).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('runs queued jobs in the order they were queued, whichever polls first once the target is free', async () => {
    const t = await app();
    const first = await t.start('hold web --gate a');
    await gates.entered('a');
    const older = await t.start('hold web --gate b --queue');
    const younger = await t.start('hold web --gate c --queue', people.oscar);
    // The older job's polls come late (its timer, or its replica, is slower): until told, it does not ask.
    let olderAsks = false;
    const promote = t.store.jobs.promote.bind(t.store.jobs);
    const youngerAsked: number[] = [];
    vi.spyOn(t.store.jobs, 'promote').mockImplementation(async (id, lock, audit) => {
      if (id === younger.job.id) youngerAsked.push(Date.now());
      if (id === older.job.id && !olderAsks) return { ok: false, holder: null, behind: 0 };
      return promote(id, lock, audit);
    });

    gates.open('a');
    await first.completion;
    // The younger job polls a free target several times; the older one still waits for it.
    const asked = youngerAsked.length;
    const seen = await eventually(
      async () => ({ polls: youngerAsked.length - asked, state: (await t.store.jobs.get(younger.job.id))?.state }),
      ({ polls, state }) => polls >= 3 || state !== 'queued',
      'the younger job to poll the free target',
    );
    expect(seen.state).toBe('queued');
    expect(await t.store.locks.get('web', t.clock.now())).toBeNull();

    olderAsks = true;
    await gates.entered('b');
    expect((await t.store.jobs.get(younger.job.id))?.state).toBe('queued');
    gates.open('b');
    expect((await older.completion).job.state).toBe('succeeded');
    await gates.entered('c');
    gates.open('c');
    expect((await younger.completion).job.state).toBe('succeeded');
  });

  it('runs a queued job that got its lock even when its "starting" notice cannot be posted', async () => {
    const t = await app();
    // The chat (or the outbox's store write) refuses the notice.
    t.app.notifier.register('mattermost', { notify: () => Promise.reject(new Error('chat is down')) });
    const first = await t.start('hold web --gate a');
    await gates.entered('a');
    const second = await t.start('hold web --gate b --queue');
    expect(second.job.state).toBe('queued');
    void gates.entered('b').then(() => gates.open('b'));
    gates.open('a');
    await first.completion;
    const { job } = await second.completion;
    expect([job.state, job.error]).toEqual(['succeeded', null]);
    expect(t.logs.some((e) => e.level === 'warn' && e.msg === 'could not tell the conversation that a queued job is starting')).toBe(true);
  });

  it('counts the timeout from when a queued job starts running, not from when it was queued', async () => {
    const t = await app({ jobs: { timeout: 1_000 } });
    const promote = vi.spyOn(t.store.jobs, 'promote');
    const first = await t.start('hold web --gate a');
    await gates.entered('a');
    const second = await t.start('hold web --gate b --queue');
    // Queued for longer than its whole timeout.
    const queuedSince = Date.now();
    await eventually(() => Date.now() - queuedSince, (ms) => ms > 1_300 && promote.mock.calls.length > 0, 'the queue wait to exceed the timeout');
    gates.open('a');
    await first.completion;
    await gates.entered('b');
    gates.open('b');
    expect((await second.completion).job.state).toBe('succeeded');
  });

  it('cancels a queued job without ever running it', async () => {
    const t = await app();
    await t.start('hold web --gate a');
    await gates.entered('a');
    const second = await t.start('hold web --gate b --queue');
    await t.say(`cancel ${second.job.id}`);
    const { job } = await second.completion;
    expect(job.state).toBe('cancelled');
    expect(job.startedAt).toBeNull();
    expect((await t.store.locks.get('web', new Date()))?.jobId).not.toBe(second.job.id);
  });

  it('a freeze (`lock <target>`) blocks jobs on that target until `unlock`', async () => {
    const t = await app({ config: lockableServices('web') });
    expect((await t.runJob('lock web release freeze')).job.state).toBe('succeeded');

    const refused = await t.say('hold web', people.oscar);
    expect(refused.status).toBe('conflict');
    expect(refused.text).toContain('`web` is locked by Olga (a freeze: "release freeze"');

    const queued = await t.start('hold web --queue', people.oscar);
    expect(queued.job.state).toBe('queued');
    const prompt = await t.say('unlock web');
    const code = /confirm ([A-Z0-9]{6})/.exec(prompt.text)?.[1] ?? '';
    expect((await t.runJob(`confirm ${code}`)).job.state).toBe('succeeded');
    await gates.entered('web');
    gates.open('web');
    expect((await queued.completion).job.state).toBe('succeeded');
  });
});

describe('progress and output', () => {
  it('throttles a burst of progress (latest wins) and always delivers the final state', async () => {
    const t = await app({ jobs: { progressThrottle: 60_000 } });
    const events: JobEvent[] = [];
    t.app.runner.onEvent((e) => events.push(e));
    const { job } = await t.runJob('chatty --lines 50');
    const progress = events.filter((e) => e.type === 'progress');
    // 100 updates (50 logs, 50 steps) became the first one (the first log line, before any step)
    // plus the newest one.
    expect(progress.map((e) => e.job.step)).toEqual([null, 'step 50']);
    expect(progress[0]?.job.output).toBe('line 0001 of the playbook output');
    expect(progress.at(-1)?.job).toMatchObject({ progressDone: 50, progressTotal: 50 });
    expect(events.at(-1)).toMatchObject({ type: 'finished', job: { id: job.id, state: 'succeeded' } });
    expect(job.output.split('\n')).toHaveLength(50);
  });

  it('persists progress while the job runs: `job <id>` shows the step and the log tail', async () => {
    const t = await app();
    const started = await t.start('hold web');
    await gates.entered('web');
    const stored = await eventually(() => t.store.jobs.get(started.job.id), (j) => j?.step === 'phase two', 'progress to be persisted');
    expect(stored).toMatchObject({ state: 'running', progressDone: 2, progressTotal: 3, output: 'holding web' });
    const shown = await t.say(`job ${started.job.id}`);
    expect(shown.text).toContain(`Job #${started.job.id} is running`);
    expect(shown.text).toContain('2/3 phase two');
    expect(shown.text).toContain('holding web');
  });

  it('keeps only the tail of the output, within the configured limit', async () => {
    const t = await app({ jobs: { outputLimit: 1_024 } });
    const { job } = await t.runJob('chatty --lines 200');
    const [head, ...kept] = job.output.split('\n');
    expect(head).toMatch(/^… \d+ earlier lines not kept$/);
    expect(Buffer.byteLength(kept.join('\n'))).toBeLessThanOrEqual(1_024);
    expect(kept.at(-1)).toBe('line 0200 of the playbook output');
    expect(job.output).not.toContain('line 0001 ');
    expect((await t.store.jobs.get(job.id))?.output).toBe(job.output);
  });

  it('masks the config secrets (from ${VAR}) in the output', async () => {
    const t = await app({ secrets: [CONFIG_SECRET] });
    const { job, text } = await t.runJob('leak');
    expect(job.output).toBe('psql: could not connect to postgres://opsbot:***@db:5432/opsbot');
    expect(job.step).toBe('retrying with ***');
    expect(job.error).toBe('connection refused for opsbot:***');
    expect(text).not.toContain(CONFIG_SECRET);
    expect(t.dump()).not.toContain(CONFIG_SECRET);
  });
});

describe('shutdown', () => {
  it('marks jobs still running after the grace period `interrupted` and releases their locks', async () => {
    const t = await app();
    const started = await t.start('hold web');
    await gates.entered('web');
    await t.app.runner.shutdown(10);
    const { job } = await started.completion;
    expect(job.state).toBe('interrupted');
    expect((await t.store.jobs.get(job.id))?.state).toBe('interrupted');
    expect(await t.store.locks.get('web', new Date())).toBeNull();
    const finished = (await t.store.audit.recent(1))[0];
    expect(finished).toMatchObject({ event: 'job_finished', jobId: job.id, outcome: 'interrupted' });

    // No new work once shutting down.
    const refused = await t.say('hold db');
    expect(refused.status).toBe('conflict');
    expect(refused.text).toContain('shutting down');
  });

  it('lets a job that finishes within the grace period succeed', async () => {
    const t = await app();
    const started = await t.start('hold web');
    await gates.entered('web');
    const stopping = t.app.runner.shutdown(30_000);
    gates.open('web');
    await stopping;
    expect((await started.completion).job.state).toBe('succeeded');
  });
});

describe('queue wait limit', () => {
  it('ends a queued job as timed_out once it has waited jobs.queueWait for its lock', async () => {
    const t = await app({ jobs: { queueWait: 300 } });
    await t.start('hold web --gate a');
    await gates.entered('a');
    const second = await t.start('hold web --gate b --queue');
    const { job } = await second.completion;
    expect(job.state).toBe('timed_out');
    expect(job.startedAt).toBeNull();
    expect(job.error).toMatch(/Waited 300ms for `web` to be free; gave up\./);
    gates.open('a');
  });
});
