/**
 * Start-up recovery: a job row left `running` (or `queued`) by a process that is gone becomes
 * `interrupted`, its lock is freed, the audit says so and its conversation is told. Jobs of live
 * processes are left alone; jobs of other hosts only once their heartbeat is stale, and jobs under
 * our name whose pid cannot be judged here once their heartbeat has stopped.
 */
import { execa } from 'execa';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { pidAlive, pidSpace } from '../../src/app-recovery.js';
import { defineCommand, msg } from '../../src/core/index.js';
import type { Conversation, Principal } from '../../src/core/identity.js';
import type { JobRecord, Store } from '../../src/core/store.js';
import { Gates, eventually, people, places, removeTempDirs, startTestApp, type TestApp } from '../support/app.js';

const HOST = 'opsbot-test-host';
const gates = new Gates();

const hold = defineCommand({
  name: 'hold',
  summary: 'Test: hold a target until the test opens the gate.',
  examples: ['hold web'],
  args: { target: { type: 'string', positional: 0, required: true, description: 'The target.' } },
  permission: () => 'test:hold',
  sideEffect: 'mutates',
  lock: ({ target }) => target,
  async run({ target }, ctx) {
    await gates.wait(target, ctx.signal);
    return msg.text(`released ${target}`);
  },
});

/** The pid of a process that has exited (checked dead before use). */
async function deadPid(): Promise<number> {
  const child = execa(process.execPath, ['-e', '']);
  const pid = child.pid;
  await child;
  if (pid === undefined || pidAlive(pid)) throw new Error('could not find a dead pid');
  return pid;
}

interface Orphan {
  readonly owner: string;
  readonly lock?: string;
  readonly conversation?: Conversation;
  readonly principal?: Principal;
  readonly queued?: boolean;
  readonly at?: Date;
  readonly step?: string;
  /** Another command than `deploy <lock>`, with its args and the refs it had kept. */
  readonly command?: { readonly name: string; readonly text: string; readonly args: Record<string, unknown>; readonly refs?: Record<string, string> };
}

/** Writes a job as the given owner left it: running (holding `lock`) or queued. */
async function orphan(store: Store, spec: Orphan): Promise<JobRecord> {
  const now = spec.at ?? new Date();
  const principal = spec.principal ?? people.olga;
  const conversation = spec.conversation ?? places.ops;
  const command = spec.command?.name ?? 'deploy';
  const text = spec.command?.text ?? `deploy ${spec.lock ?? 'web'}`;
  const args = spec.command?.args ?? { store: spec.lock ?? 'web' };
  const result = await store.jobs.begin(
    { command, text, args, principal, conversation, lockKey: spec.lock ?? null, dryRun: false, owner: spec.owner, timeoutMs: 600_000, now },
    { at: now, event: 'job_started', principal, conversation, command, args, permission: 'deploy:web', jobId: null, outcome: null, detail: null, refs: {} },
    { lock: spec.lock === undefined ? null : { key: spec.lock, ttlMs: 60_000 }, queueIfLocked: spec.queued === true },
  );
  if (!result.ok) throw new Error(`could not create the orphan: ${result.holder.key} is held`);
  if (spec.step !== undefined) await store.jobs.progress(result.job.id, { step: spec.step, done: 3, total: 7, output: 'TASK [restart]', refs: spec.command?.refs ?? { run: 'r-17' } });
  return result.job;
}

/** This machine's boot and pid namespace: a pid written with it is one recovery can judge at once. */
const HERE = pidSpace();

const apps: TestApp[] = [];

async function app(): Promise<TestApp> {
  const t = await startTestApp({ extraCommands: [hold], instance: HOST });
  apps.push(t);
  return t;
}

afterEach(async () => {
  gates.reset();
  for (const t of apps.splice(0)) await t.close();
});

afterAll(() => removeTempDirs());

describe('recover()', () => {
  it('interrupts a running job of a dead process on this host, frees its lock, audits it and tells its conversation', async () => {
    const t = await app();
    const job = await orphan(t.store, { owner: `${HOST}/${await deadPid()}/a1b2c3d4@${HERE}`, lock: 'web', step: 'restart web-2' });
    expect((await t.store.locks.get('web', new Date()))?.jobId).toBe(job.id);

    const recovered = await t.app.recover();
    expect(recovered.map((j) => [j.id, j.state])).toEqual([[job.id, 'interrupted']]);

    const stored = await t.store.jobs.get(job.id);
    expect(stored).toMatchObject({ state: 'interrupted', output: 'TASK [restart]', refs: { run: 'r-17' } });
    expect(stored?.error).toContain('it did not finish');
    expect(stored?.finishedAt).not.toBeNull();
    expect(await t.store.locks.get('web', new Date())).toBeNull();

    const finished = (await t.store.audit.recent(10)).find((e) => e.event === 'job_finished');
    expect(finished).toMatchObject({ jobId: job.id, outcome: 'interrupted', principal: people.olga, conversation: places.ops, command: 'deploy', refs: { run: 'r-17' } });

    expect(t.notices).toHaveLength(1);
    expect(t.notices[0]?.conversation).toEqual(places.ops);
    expect(t.notices[0]?.text).toContain(`Job #${job.id} was interrupted`);
    expect(t.notices[0]?.text).toContain('`deploy web` (started by Olga) was at step "restart web-2" when opsbot stopped. Its lock is released.');
    expect(t.notices[0]?.text).toContain(`\`job ${job.id}\` shows its log`);

    // The freed target can be taken again at once.
    const next = await t.start('hold web');
    expect(next.job.state).toBe('running');
  });

  it('says where traffic may be when a deploy stopped in the middle of its switch, and that nothing moved when it had not begun one', async () => {
    const t = await app();
    const dead = await deadPid();
    const switching = await orphan(t.store, { owner: `${HOST}/${dead}/a1b2c3d4@${HERE}`, lock: 'store-pl', step: 'verifying https://store.example.com/health' });
    await t.store.deployState.beginSwitch('store-pl', { from: 'blue', to: 'green', jobId: switching.id, rollback: false, at: new Date() });
    const building = await orphan(t.store, { owner: `${HOST}/${dead}/a1b2c3d4@${HERE}`, lock: 'store-de', step: 'building with pipeline store-build' });

    await t.app.recover();
    const moved =
      'It had begun switching traffic blue → green and never verified it: traffic may have moved to green (or both colours may take it). Check `status store-pl`. The next deploy or rollback of store-pl records what the balancer shows first, and refuses to act while it shows no single live colour.';
    expect((await t.store.jobs.get(switching.id))?.error).toContain(moved);
    expect(t.notices.find((n) => n.text.includes(`Job #${switching.id} was interrupted`))?.text).toContain(moved);
    const untouched = 'It left no traffic switch half done: traffic is where `status store-de` shows it.';
    expect((await t.store.jobs.get(building.id))?.error).toContain(untouched);
    expect(t.notices.find((n) => n.text.includes(`Job #${building.id} was interrupted`))?.text).toContain(untouched);
  });

  it('says what a pipeline run, a scaling and a playbook run may have left behind, each in its own words', async () => {
    const t = await app();
    const owner = `${HOST}/${await deadPid()}/a1b2c3d4@${HERE}`;
    const pipeline = await orphan(t.store, {
      owner,
      lock: 'pipeline.build',
      step: 'stage deploy running',
      command: { name: 'pipeline', text: 'pipeline run build', args: { action: 'run', target: 'build', variables: {} }, refs: { pipeline: 'build', run: '57', url: 'https://ci.example.com/job/build/57/' } },
    });
    const unstarted = await orphan(t.store, { owner, lock: 'pipeline.app', command: { name: 'pipeline', text: 'pipeline run app', args: { action: 'run', target: 'app', variables: {} } } });
    const scaling = await orphan(t.store, { owner, lock: 'api', step: 'scaling api 3 → 6', command: { name: 'scale', text: 'scale api x2', args: { service: 'api', change: 'x2' }, refs: {} } });
    await t.store.scaling.record({ service: 'api', env: 'production', at: new Date(), from: 3, to: 6, jobId: scaling.id, by: 'Olga', pending: true });
    const playbook = await orphan(t.store, { owner, lock: 'playbook:backup', command: { name: 'run', text: 'run backup --limit localhost', args: { playbook: 'backup', limit: 'localhost', check: false, vars: {} } } });

    await t.app.recover();
    const said = (id: number) => t.notices.find((n) => n.text.includes(`Job #${id} was interrupted`))?.text ?? '';
    expect(said(pipeline.id)).toContain(
      'It had started build#57 (https://ci.example.com/job/build/57/), which goes on on the server without opsbot, and its lock is free: `pipeline status build#57` shows where it is, `pipeline cancel build#57` stops it.',
    );
    expect(said(unstarted.id)).toContain('It may have started a run of `app` that it never recorded (opsbot stopped while the server was answering): look for it on the server before running it again.');
    expect(said(scaling.id)).toContain('It had asked for 3 → 6 replicas of `api` (production) and never saw the answer: the service may now run 6 or still 3.');
    expect(said(playbook.id)).toContain('Playbook `backup` was stopped with opsbot (it never runs on without it), but it may have run part of its tasks on localhost');
    expect((await t.store.jobs.get(scaling.id))?.error).toContain('the cooldown counts this scaling');
  });

  it('interrupts a job of an earlier run of this same pid (another nonce): the restarted process', async () => {
    const t = await app();
    const job = await orphan(t.store, { owner: `${HOST}/${process.pid}/0ldn0nce@${HERE}`, lock: 'db' });
    await t.app.recover();
    expect((await t.store.jobs.get(job.id))?.state).toBe('interrupted');
    expect(await t.store.locks.get('db', new Date())).toBeNull();
  });

  it('interrupts a queued job of a dead process too', async () => {
    const t = await app();
    await t.store.locks.freeze(
      { key: 'web', holder: people.oscar, reason: 'freeze', acquiredAt: new Date(), expiresAt: null },
      { at: new Date(), event: 'lock', principal: people.oscar, conversation: places.ops, command: 'lock', args: { target: 'web' }, permission: null, jobId: null, outcome: null, detail: null, refs: {} },
    );
    const job = await orphan(t.store, { owner: `${HOST}/${await deadPid()}/q@${HERE}`, lock: 'web', queued: true });
    expect(job.state).toBe('queued');
    await t.app.recover();
    const stored = await t.store.jobs.get(job.id);
    expect(stored?.state).toBe('interrupted');
    // It never ran: no lock of its own was released, and there is no target to check.
    expect(stored?.error).toBe('opsbot stopped while this job was queued for `web`: it never started, so it changed nothing. Run it again if it is still wanted.');
    expect(t.notices.at(-1)?.text).toContain('`deploy web` (started by Olga) was still queued for `web` when opsbot stopped: it never started, so it changed nothing.');
    expect(t.notices.at(-1)?.text).not.toContain('Its lock is released');
    expect(t.notices.at(-1)?.text).not.toContain('Check the target');
    // The freeze is not the job's lock and stays.
    expect((await t.store.locks.get('web', new Date()))?.jobId).toBeNull();
  });

  it('says a queued pipeline run or playbook run never started, rather than what a started one may have left behind', async () => {
    const t = await app();
    const owner = `${HOST}/${await deadPid()}/q@${HERE}`;
    // Both targets are held by live jobs of this process, so the orphans were queued behind them.
    const holders = [await t.start('hold pipeline.app'), await t.start('hold playbook:backup')];
    await gates.entered('pipeline.app');
    await gates.entered('playbook:backup');
    const pipeline = await orphan(t.store, { owner, lock: 'pipeline.app', queued: true, command: { name: 'pipeline', text: 'pipeline run app', args: { action: 'run', target: 'app', variables: {} } } });
    const playbook = await orphan(t.store, { owner, lock: 'playbook:backup', queued: true, command: { name: 'run', text: 'run backup --limit localhost', args: { playbook: 'backup', limit: 'localhost', check: false, vars: {} } } });
    expect([pipeline.state, playbook.state]).toEqual(['queued', 'queued']);

    expect((await t.app.recover()).map((j) => j.id)).toEqual([pipeline.id, playbook.id]);
    for (const job of [pipeline, playbook]) {
      const said = t.notices.find((n) => n.text.includes(`Job #${job.id} was interrupted`))?.text ?? '';
      expect(said).toContain(`was still queued for \`${job.lockKey ?? ''}\` when opsbot stopped: it never started, so it changed nothing.`);
      expect(said).not.toContain('may have');
      expect((await t.store.jobs.get(job.id))?.error).not.toContain('may have');
    }
    // The jobs that hold the targets are not touched.
    for (const holder of holders) expect((await t.store.jobs.get(holder.job.id))?.state).toBe('running');
  });

  it('waits for a job under our name whose pid it cannot judge to stop heartbeating: a restarted container, where pids mean nothing', async () => {
    // Quiet after two heartbeats: 3 s here. The restarted process checks again once that has passed.
    const t = await startTestApp({ extraCommands: [hold], instance: HOST, jobs: { lockTtl: 5_000, heartbeat: 1_500 } });
    apps.push(t);
    // The previous container's pid namespace; its last heartbeat was just before this restart.
    const job = await orphan(t.store, { owner: `${HOST}/${process.pid}/pr3d3ces@${HERE}0`, lock: 'web' });
    expect(await t.app.recover()).toEqual([]);
    expect((await t.store.jobs.get(job.id))?.state).toBe('running');

    // The predecessor heartbeats no more; the pass the first one scheduled finds it quiet and reports it.
    t.clock.advance(3_500);
    await eventually(() => t.store.jobs.get(job.id), (j) => j?.state === 'interrupted', 'the second pass to interrupt the job');
    expect(await t.store.locks.get('web', t.clock.now())).toBeNull();
    expect(t.notices.map((n) => n.text)).toContainEqual(expect.stringContaining(`Job #${job.id} was interrupted`));
  });

  it('leaves alone the jobs of another live process that runs under the same instance name, and says so once', async () => {
    // Two replicas given one OPSBOT_INSTANCE: in containers both opsbot processes often have the same pid.
    const t = await startTestApp({ extraCommands: [hold], instance: HOST, jobs: { lockTtl: 5_000, heartbeat: 1_500 } });
    apps.push(t);
    const job = await orphan(t.store, { owner: `${HOST}/${process.pid}/0th3rpod@other-boot:4026531836`, lock: 'web' });
    // Long after this process started, the other one still heartbeats its job.
    t.clock.advance(30_000);
    const beat = t.clock.now();
    await t.store.jobs.heartbeat([job.id], beat, 5_000);
    expect((await t.store.jobs.get(job.id))?.heartbeatAt).toEqual(beat);

    expect(await t.app.recover()).toEqual([]);
    expect(await t.app.recover()).toEqual([]);
    expect((await t.store.jobs.get(job.id))?.state).toBe('running');
    expect((await t.store.locks.get('web', t.clock.now()))?.jobId).toBe(job.id);
    expect(t.notices).toEqual([]);
    const warnings = t.logs.filter((e) => e.level === 'error' && e.msg?.includes('another live opsbot process uses this instance name'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.obj).toMatchObject({ jobId: job.id, instance: HOST });
    expect(warnings[0]?.msg).toContain('Give each replica its own OPSBOT_INSTANCE');
  });

  it('leaves alone a job whose owner is a live process on this host', async () => {
    const t = await app();
    // The test runner's parent process is certainly alive.
    const job = await orphan(t.store, { owner: `${HOST}/${process.ppid}/l1ve@${HERE}`, lock: 'web' });
    expect(await t.app.recover()).toEqual([]);
    expect((await t.store.jobs.get(job.id))?.state).toBe('running');
    expect((await t.store.locks.get('web', new Date()))?.jobId).toBe(job.id);
    expect(t.notices).toEqual([]);
  });

  it('leaves alone the jobs this process is running', async () => {
    const t = await app();
    const started = await t.start('hold web');
    await gates.entered('web');
    expect(await t.app.recover()).toEqual([]);
    expect((await t.store.jobs.get(started.job.id))?.state).toBe('running');
    gates.open('web');
    expect((await started.completion).job.state).toBe('succeeded');
  });

  it('interrupts a job of another host only once its heartbeat is stale', async () => {
    const t = await app();
    const job = await orphan(t.store, { owner: 'other-host/4242/f00d', lock: 'web' });
    expect(await t.app.recover()).toEqual([]);
    expect((await t.store.jobs.get(job.id))?.state).toBe('running');

    // Stale: more than twice the lock TTL (5 s in the test settings) since its last heartbeat.
    t.clock.advance(2 * 5_000 + 1_000);
    const recovered = await t.app.recover();
    expect(recovered.map((j) => j.id)).toEqual([job.id]);
    expect((await t.store.jobs.get(job.id))?.state).toBe('interrupted');
  });

  it('treats an owner it cannot parse like another host', async () => {
    const t = await app();
    const job = await orphan(t.store, { owner: 'garbage' });
    expect(await t.app.recover()).toEqual([]);
    t.clock.advance(60_000);
    await t.app.recover();
    expect((await t.store.jobs.get(job.id))?.state).toBe('interrupted');
  });

  it('recovers every job even when telling one conversation fails', async () => {
    const t = await app();
    t.app.notifier.register('teams', { notify: () => Promise.reject(new Error('Teams is down')) });
    const dead = await deadPid();
    const inTeams = await orphan(t.store, { owner: `${HOST}/${dead}/x@${HERE}`, lock: 'a', conversation: { platform: 'teams', id: '19:abc@thread.v2' }, principal: { platform: 'teams', id: 'aad-1', name: 'Tess' } });
    const inMattermost = await orphan(t.store, { owner: `${HOST}/${dead}/x@${HERE}`, lock: 'b' });
    const recovered = await t.app.recover();
    expect(recovered.map((j) => j.id)).toEqual([inTeams.id, inMattermost.id]);
    expect(t.notices.map((n) => n.conversation.id)).toEqual([places.ops.id]);
    expect(t.logs.some((e) => e.level === 'warn' && e.msg === 'could not tell the conversation about an interrupted job')).toBe(true);
  });

  it('is done periodically by the reaper, so one replica reports another one’s crash', async () => {
    const t = await startTestApp({ extraCommands: [hold], instance: HOST, jobs: { lockTtl: 100, heartbeat: 20 } });
    apps.push(t);
    const job = await orphan(t.store, { owner: 'crashed-replica/1/dead' });
    t.app.startReaper();
    await eventually(() => t.store.jobs.get(job.id), (j) => j?.state === 'interrupted', 'the reaper to interrupt the job');
    expect(t.notices.map((n) => n.text)).toContainEqual(expect.stringContaining(`Job #${job.id} was interrupted`));
  });
});

describe('recover() racing others', () => {
  it('says nothing about a job that its owner (or another replica) finished while recovery was looking', async () => {
    const t = await app();
    const job = await orphan(t.store, { owner: 'other-host/4242/f00d', lock: 'web' });
    const seenRunning = await t.store.jobs.unfinished();
    // The owner finishes it...
    await t.store.jobs.finish(
      job.id,
      { state: 'succeeded', summary: 'deployed', error: null, output: '', refs: {}, now: new Date() },
      { at: new Date(), event: 'job_finished', principal: people.olga, conversation: places.ops, command: 'deploy', args: {}, permission: null, jobId: job.id, outcome: 'succeeded', detail: null, refs: {} },
    );
    // ...after recovery read the list in which it was still running, and judged it stale.
    vi.spyOn(t.store.jobs, 'unfinished').mockResolvedValueOnce(seenRunning);
    t.clock.advance(60_000);
    expect(await t.app.recover()).toEqual([]);
    expect((await t.store.jobs.get(job.id))?.state).toBe('succeeded');
    expect(t.notices).toEqual([]);
    expect((await t.store.audit.recent(10)).filter((e) => e.outcome === 'interrupted')).toEqual([]);
  });
});
