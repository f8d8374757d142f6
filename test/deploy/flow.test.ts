/** The deploy orchestration (src/core/deploy) over in-memory fakes of its ports. */
import { describe, expect, it } from 'vitest';
import { decideApproval } from '../../src/core/deploy/approve-flow.js';
import { runDeploy } from '../../src/core/deploy/deploy-flow.js';
import { runRollback } from '../../src/core/deploy/rollback-flow.js';
import { prepareRun } from '../../src/core/deploy/run-playbook.js';
import { BackendError, CancelledError, ConflictError, DeniedError, LockedError, NotFoundError, TimeoutError, UsageError } from '../../src/core/errors.js';
import { fakes, flowContext, olga, piotr, storeSpec } from './support/fakes.js';

const deployTo = (colour: 'blue' | 'green' | 'auto', version: string | null = '1.4.2', force = false) => ({ store: 'store-pl', colour, version: version ?? undefined, force });

describe('deploy flow', () => {
  it('deploys to the idle colour, checks it, switches, verifies and records', async () => {
    const f = fakes({ live: 'blue' });
    const { ctx, steps, refs } = flowContext(f.ports);
    const reply = await runDeploy(deployTo('auto'), ctx);

    expect(f.playbooks.runs).toHaveLength(1);
    expect(f.playbooks.runs[0]).toMatchObject({ playbook: 'deploy-colour', check: false, limit: null, vars: { app_root: '/srv/store-pl', colour: 'green', version: '1.4.2' } });
    expect(f.health.waits).toEqual([{ colour: 'green', version: '1.4.2' }]);
    expect(f.traffic.switches).toEqual(['green']);
    const state = await f.state.get('store-pl');
    expect(state).toMatchObject({ live: 'green', previous: 'blue', versions: { blue: null, green: '1.4.2' }, jobId: 42 });
    expect(reply.title).toBe('Deployed 1.4.2 to store-pl/green; green is live');
    expect(reply.tone).toBe('success');
    expect(reply.actions).toEqual([{ id: 'rollback', label: 'Roll back to blue', style: 'danger', command: 'rollback store-pl' }]);
    expect(refs).toMatchObject({ commit: '0123456789abcdef0123456789abcdef01234567', version: '1.4.2' });
    // Steps advance 1..6 of 6, with the ansible task as detail of step 2.
    expect(steps.filter((s) => s.total === 6).map((s) => s.done)).toEqual([1, 2, 2, 3, 4, 5, 6]);
    expect(steps.map((s) => s.step)).toContain('deploying 1.4.2 → store-pl/green: task 1 install release');
  });

  it('refuses to deploy to the live colour before anything runs', async () => {
    const f = fakes({ live: 'blue' });
    await expect(runDeploy(deployTo('blue'), flowContext(f.ports).ctx)).rejects.toThrow(ConflictError);
    expect(f.playbooks.runs).toEqual([]);
    expect(f.repoSyncs).toEqual([]);
    expect(f.traffic.switches).toEqual([]);
  });

  it('with --force redeploys the live colour in place: no switch, still verified', async () => {
    const f = fakes({ live: 'blue' });
    const reply = await runDeploy(deployTo('blue', '1.4.3', true), flowContext(f.ports).ctx);
    expect(f.playbooks.runs[0]?.vars).toMatchObject({ colour: 'blue', version: '1.4.3' });
    expect(f.traffic.switches).toEqual([]);
    expect(reply.title).toBe('Deployed 1.4.3 to store-pl/blue; blue is live');
    expect((await f.state.get('store-pl'))?.live).toBe('blue');
  });

  it('does not switch when the new colour never becomes healthy', async () => {
    const f = fakes({ live: 'blue' });
    f.health.healthy.green = false;
    const error = await runDeploy(deployTo('green'), flowContext(f.ports).ctx).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as Error).message).toBe('store-pl/green did not become healthy (30 attempts, last: HTTP 503). Traffic was not switched; blue stays live.');
    expect(f.traffic.switches).toEqual([]);
    expect((await f.state.get('store-pl'))?.live).toBeNull();
  });

  it('switches back automatically when verification fails after the switch, and says so', async () => {
    const f = fakes({ live: 'blue' });
    f.health.frontend = false;
    const error = await runDeploy(deployTo('green'), flowContext(f.ports).ctx).catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      'Verification through https://store.example.com/health failed (10 attempts, last: HTTP 502). Switched traffic back to blue; blue is live again.',
    );
    expect(f.traffic.switches).toEqual(['green', 'blue']);
    expect(f.traffic.current).toBe('blue');
    expect((await f.state.get('store-pl'))?.live).toBeNull();
  });

  it('says loudly when switching back fails too', async () => {
    const f = fakes({ live: 'blue' });
    f.health.frontend = false;
    f.traffic.failures.push(undefined, new BackendError('No such server.', 'haproxy'));
    const error = await runDeploy(deployTo('green'), flowContext(f.ports).ctx).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/Switching back to blue FAILED too \(No such server\): check haproxy be now\.$/);
  });

  it('switches back when cancelled after the switch', async () => {
    const f = fakes({ live: 'blue' });
    const { ctx, controller } = flowContext(f.ports);
    f.health.onVerify = () => controller.abort(new CancelledError('Cancelled by Olga.'));
    await expect(runDeploy(deployTo('green'), ctx)).rejects.toThrow(/Switched traffic back to blue/);
    expect(f.traffic.switches).toEqual(['green', 'blue']);
  });

  it('finishes a switch it was cancelled in the middle of, then switches back: never half switched', async () => {
    const f = fakes({ live: 'blue' });
    const { ctx, controller } = flowContext(f.ports);
    f.traffic.onSwitch = (colour) => {
      if (colour === 'green') controller.abort(new CancelledError('Cancelled by Olga.'));
    };
    await expect(runDeploy(deployTo('green'), ctx)).rejects.toThrow(/Switched traffic back to blue; blue is live again/);
    expect(f.traffic.switches).toEqual(['green', 'blue']);
    expect(f.traffic.current).toBe('blue');
    expect(f.health.verified).toBe(0);
    expect((await f.state.get('store-pl'))?.switching).toBeNull();
  });

  it('stops at a failed playbook with the task and host, before health checks', async () => {
    const f = fakes({ live: 'blue' });
    f.playbooks.result = { ok: false, exitCode: 2, recap: [{ host: 'web1', ok: 1, changed: 0, failed: 1, unreachable: 0, skipped: 0 }], failures: [{ host: 'web1', task: 'install release', message: 'disk full' }], tasks: 2, check: false };
    const error = (await runDeploy(deployTo('green'), flowContext(f.ports).ctx).catch((e: unknown) => e)) as BackendError;
    expect(error.message).toBe('Deploying 1.4.2 → store-pl/green failed: web1: install release: disk full.');
    expect(error.hint).toBe('web1: ok=1 changed=0 failed=1 unreachable=0 skipped=0');
    expect(f.health.waits).toEqual([]);
    expect(f.traffic.switches).toEqual([]);
  });

  it('--dry-run runs the playbook in check mode and changes nothing', async () => {
    const f = fakes({ live: 'blue' });
    const reply = await runDeploy(deployTo('auto'), flowContext(f.ports, { dryRun: true }).ctx);
    expect(f.playbooks.runs[0]?.check).toBe(true);
    expect(f.health.waits).toEqual([]);
    expect(f.traffic.switches).toEqual([]);
    expect(await f.state.get('store-pl')).toBeNull();
    expect(reply.title).toBe('Dry run: deploy 1.4.2 to store-pl/green');
    expect(JSON.stringify(reply.blocks)).toContain('switch traffic blue → green (haproxy be)');
  });

  it('builds first when the store has a pipeline, and deploys the version the build made', async () => {
    const f = fakes({ stores: [storeSpec({ build: { pipeline: 'store-build', variables: { TARGET: 'pl' } } })] });
    const { ctx, refs } = flowContext(f.ports);
    const reply = await runDeploy(deployTo('green', null), ctx);
    expect(f.build.calls).toEqual([{ pipeline: 'store-build', variables: { TARGET: 'pl' } }]);
    expect(f.playbooks.runs[0]?.vars).toMatchObject({ version: '2.0.0' });
    expect(refs).toMatchObject({ build: '311', build_url: 'https://ci.example.com/job/store/311' });
    expect(reply.blocks).toContainEqual({ kind: 'links', links: [{ label: 'build', url: 'https://ci.example.com/job/store/311' }] });
  });

  it('names the build in the job while it runs, so a deploy stopped during the build says which build goes on', async () => {
    const f = fakes({ stores: [storeSpec({ build: { pipeline: 'store-build', variables: {} } })] });
    f.build.started = { runId: 'store-build#311', url: 'https://ci.example.com/job/store/311' };
    f.build.failure = new TimeoutError('Timed out after 3600 s.');
    const { ctx, refs } = flowContext(f.ports);
    await expect(runDeploy(deployTo('green'), ctx)).rejects.toThrow('Timed out after 3600 s.');
    expect(refs).toMatchObject({ build: 'store-build#311', build_url: 'https://ci.example.com/job/store/311' });
    expect(f.playbooks.runs).toEqual([]);
  });

  it('deploys nothing when the build fails', async () => {
    const f = fakes({ stores: [storeSpec({ build: { pipeline: 'store-build', variables: {} } })] });
    f.build.result = { ok: false, runId: '312', url: null, version: null, detail: 'FAILURE' };
    await expect(runDeploy(deployTo('green'), flowContext(f.ports).ctx)).rejects.toThrow('Build 312 of pipeline store-build failed: FAILURE. Nothing was deployed.');
    expect(f.playbooks.runs).toEqual([]);
  });

  it('does not build while the build pipeline is frozen: refused right before the build, naming the freeze (a dry run says so)', async () => {
    const f = fakes({ stores: [storeSpec({ build: { pipeline: 'store-build', variables: {} } })] });
    const freeze = { key: 'pipeline.store-build', holder: piotr, jobId: null, reason: 'release freeze', acquiredAt: new Date(Date.UTC(2026, 10, 22, 20, 0, 0)), expiresAt: null };
    const asked: string[] = [];
    const frozen = {
      ...flowContext(f.ports).ctx,
      buildFrozenBy: (pipeline: string) => {
        asked.push(pipeline);
        return Promise.resolve(freeze);
      },
    };
    const error = await runDeploy(deployTo('green'), frozen).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockedError);
    expect((error as LockedError).message).toMatch(
      /^`pipeline\.store-build` is locked by Piotr \(a freeze: "release freeze", since .+\), and deploying `store-pl` builds with pipeline `store-build`: nothing was built or deployed\. Deploy once `unlock pipeline\.store-build` has lifted the freeze \(`--queue` does not wait for it\)\.$/,
    );
    expect((error as LockedError).key).toBe('pipeline.store-build');
    expect(asked).toEqual(['store-build']);
    expect(f.build.calls).toEqual([]);
    expect(f.playbooks.runs).toEqual([]);

    const dry = await runDeploy(deployTo('green'), { ...frozen, dryRun: true });
    expect(f.build.calls).toEqual([]);
    expect(JSON.stringify(dry.blocks)).toContain('A real run would be refused now: `pipeline.store-build` is locked by Piotr');
    // Not frozen: it builds.
    await runDeploy(deployTo('green'), { ...frozen, buildFrozenBy: () => Promise.resolve(null) });
    expect(f.build.calls).toHaveLength(1);
  });

  it('needs a version when nothing tells which one', async () => {
    const f = fakes({ live: null });
    await expect(runDeploy(deployTo('auto', null), flowContext(f.ports).ctx)).rejects.toThrow(UsageError);
    expect(f.playbooks.runs).toEqual([]);
    const withDefault = fakes({ live: null, stores: [storeSpec({ defaultVersion: '1.0.0' })] });
    await runDeploy(deployTo('auto', null), flowContext(withDefault.ports).ctx);
    expect(withDefault.playbooks.runs[0]?.vars).toMatchObject({ colour: 'blue', version: '1.0.0' });
  });

  it('is refused during a maintenance window that blocks deploys (a dry run still works)', async () => {
    const f = fakes({ live: 'blue' });
    const blocked = { ...flowContext(f.ports).ctx, deployBlockedBy: (store: string) => (store === 'store-pl' ? 'nightly vacuum, until 03:00' : null) };
    await expect(runDeploy(deployTo('green'), blocked)).rejects.toThrow('`store-pl` is in a maintenance window that blocks deploys: nightly vacuum, until 03:00.');
    expect(f.playbooks.runs).toEqual([]);
    await runDeploy(deployTo('green'), { ...blocked, dryRun: true });
    expect(f.playbooks.runs).toHaveLength(1);
  });

  it('names the stores when the store is unknown', async () => {
    const f = fakes();
    await expect(runDeploy({ ...deployTo('blue'), store: 'store-xx' }, flowContext(f.ports).ctx)).rejects.toThrow(new NotFoundError('There is no store `store-xx` (stores: store-pl). Did you mean `store-pl`?'));
  });
});

describe('approvals', () => {
  const prod = () => fakes({ live: 'blue', stores: [storeSpec({ approval: { required: true } })] });

  it('waits for a different person to approve before the switch', async () => {
    const f = prod();
    const { ctx, refs } = flowContext(f.ports);
    const running = runDeploy(deployTo('green'), ctx);
    while ((await f.state.pendingApproval('store-pl', new Date(0))) === null) await new Promise((r) => setTimeout(r, 5));
    expect(f.traffic.switches).toEqual([]);
    await expect(decideApproval('store-pl', 'approved', { ...flowContext(f.ports, { principal: olga }).ctx })).rejects.toBeInstanceOf(DeniedError);
    const approved = await decideApproval('store-pl', 'approved', { ...flowContext(f.ports, { principal: piotr }).ctx });
    expect(approved.blocks[0]).toEqual({ kind: 'text', text: 'Approved job #42: deploy 1.4.2 to store-pl/green (asked by Olga).' });
    await running;
    expect(f.traffic.switches).toEqual(['green']);
    expect(refs.approved_by).toBe('Piotr');
  });

  it('does not switch when rejected, or when nobody decides in time', async () => {
    const f = prod();
    const running = runDeploy(deployTo('green'), flowContext(f.ports).ctx);
    while ((await f.state.pendingApproval('store-pl', new Date(0))) === null) await new Promise((r) => setTimeout(r, 5));
    await decideApproval('store-pl', 'rejected', flowContext(f.ports, { principal: piotr }).ctx);
    await expect(running).rejects.toThrow('Piotr rejected deploy 1.4.2 to store-pl/green; traffic was not switched.');
    expect(f.traffic.switches).toEqual([]);

    const g = prod();
    const { ctx } = flowContext(g.ports);
    await expect(runDeploy(deployTo('green'), { ...ctx, approvalTtlMs: 3_000 })).rejects.toBeInstanceOf(TimeoutError);
    expect(g.traffic.switches).toEqual([]);
  });

  it('checks the colour again once approved: one that died during the wait is not switched to', async () => {
    const f = prod();
    const running = runDeploy(deployTo('green'), flowContext(f.ports).ctx);
    while ((await f.state.pendingApproval('store-pl', new Date(0))) === null) await new Promise((r) => setTimeout(r, 5));
    expect(f.health.waits.map((w) => w.colour)).toEqual(['green']);
    f.health.healthy.green = false;
    await decideApproval('store-pl', 'approved', flowContext(f.ports, { principal: piotr }).ctx);
    await expect(running).rejects.toThrow('store-pl/green was approved but is no longer healthy (30 attempts, last: HTTP 503). Traffic was not switched; blue stays live.');
    expect(f.health.waits.map((w) => w.colour)).toEqual(['green', 'green']);
    expect(f.traffic.switches).toEqual([]);
    expect(f.health.verified).toBe(0);
  });

  it('redeploying the live colour in place (--force) waits for approval before the playbook runs', async () => {
    const f = prod();
    const running = runDeploy(deployTo('blue', '1.4.3', true), flowContext(f.ports).ctx);
    while ((await f.state.pendingApproval('store-pl', new Date(0))) === null) await new Promise((r) => setTimeout(r, 5));
    expect(f.playbooks.runs).toEqual([]);
    const pending = await f.state.pendingApproval('store-pl', new Date(0));
    expect(pending?.summary).toBe('deploy 1.4.3 in place to store-pl/blue, which is live');
    await decideApproval('store-pl', 'approved', flowContext(f.ports, { principal: piotr }).ctx);
    const reply = await running;
    expect(f.playbooks.runs.map((r) => r.vars)).toMatchObject([{ colour: 'blue', version: '1.4.3' }]);
    expect(reply.title).toBe('Deployed 1.4.3 to store-pl/blue; blue is live');

    const g = prod();
    const rejected = runDeploy(deployTo('blue', '1.4.3', true), flowContext(g.ports).ctx);
    while ((await g.state.pendingApproval('store-pl', new Date(0))) === null) await new Promise((r) => setTimeout(r, 5));
    await decideApproval('store-pl', 'rejected', flowContext(g.ports, { principal: piotr }).ctx);
    await expect(rejected).rejects.toBeInstanceOf(DeniedError);
    expect(g.playbooks.runs).toEqual([]);
  });

  it('an approval naming its job is refused when another deploy waits now: no swapping the version under the approver', async () => {
    const f = prod();
    const firstJob = flowContext(f.ports, { jobId: 1 });
    const first = runDeploy(deployTo('green', '1.0.0'), firstJob.ctx);
    while ((await f.state.pendingApproval('store-pl', new Date(0))) === null) await new Promise((r) => setTimeout(r, 5));
    // The requester asks again for another version (the newest request replaces the older one).
    const second = runDeploy(deployTo('green', '6.6.6'), flowContext(f.ports, { jobId: 2 }).ctx);
    while ((await f.state.pendingApproval('store-pl', new Date(0)))?.jobId !== 2) await new Promise((r) => setTimeout(r, 5));
    const stale = decideApproval('store-pl', 'approved', flowContext(f.ports, { principal: piotr }).ctx, 1);
    await expect(stale).rejects.toBeInstanceOf(ConflictError);
    await expect(stale).rejects.toThrow('Job #1 is not the deploy waiting on `store-pl`: job #2 is (deploy 6.6.6 to store-pl/green, asked by');
    expect(await f.state.approvalDecision(2)).toBeNull();
    const fresh = await decideApproval('store-pl', 'approved', flowContext(f.ports, { principal: piotr }).ctx, 2);
    expect(fresh.blocks[0]).toMatchObject({ text: expect.stringContaining('Approved job #2: deploy 6.6.6') });
    await second;
    await expect(decideApproval('store-pl', 'approved', flowContext(f.ports, { principal: piotr }).ctx, 1)).rejects.toThrow('No deploy of `store-pl` is waiting for approval (job #1 is not).');
    // The first deploy, whose request was replaced, waits on until cancelled.
    firstJob.controller.abort(new Error('cancelled'));
    await expect(first).rejects.toThrow('cancelled');
  });

  it('a schedule cannot approve or reject: a person must', async () => {
    const f = prod();
    const running = runDeploy(deployTo('green'), flowContext(f.ports).ctx);
    while ((await f.state.pendingApproval('store-pl', new Date(0))) === null) await new Promise((r) => setTimeout(r, 5));
    const robot = { platform: 'schedule' as const, id: 'approver', name: 'schedule:approver' };
    await expect(decideApproval('store-pl', 'approved', flowContext(f.ports, { principal: robot }).ctx)).rejects.toThrow('A schedule cannot approve a deploy; a person must.');
    expect(await f.state.pendingApproval('store-pl', new Date(0))).not.toBeNull();
    await decideApproval('store-pl', 'approved', flowContext(f.ports, { principal: piotr }).ctx);
    await running;
    expect(f.traffic.switches).toEqual(['green']);
  });

  it('has nothing to approve when no deploy waits', async () => {
    const f = prod();
    await expect(decideApproval('store-pl', 'approved', flowContext(f.ports, { principal: piotr }).ctx)).rejects.toThrow('No deploy of `store-pl` is waiting for approval.');
  });
});

describe('rollback flow', () => {
  it('switches back to the previous colour when it is still healthy', async () => {
    const f = fakes({ live: 'blue' });
    await f.state.recordVersion('store-pl', 'blue', '1.4.1', new Date(0), 1);
    await runDeploy(deployTo('green'), flowContext(f.ports).ctx);
    const reply = await runRollback('store-pl', flowContext(f.ports).ctx);
    expect(f.health.waits.at(-1)).toEqual({ colour: 'blue', version: '1.4.1' });
    expect(f.traffic.switches).toEqual(['green', 'blue']);
    expect(reply.title).toBe('Rolled back store-pl to blue (1.4.1); blue is live');
    expect(await f.state.get('store-pl')).toMatchObject({ live: 'blue', previous: 'green', rolledBack: true });
  });

  it('finishes a switch it was cancelled in the middle of, then switches back to where it was', async () => {
    const f = fakes({ live: 'blue' });
    await f.state.recordVersion('store-pl', 'blue', '1.4.1', new Date(0), 1);
    await runDeploy(deployTo('green'), flowContext(f.ports).ctx);
    const { ctx, controller } = flowContext(f.ports);
    f.traffic.onSwitch = () => controller.abort(new CancelledError('Cancelled by Olga.'));
    await expect(runRollback('store-pl', ctx)).rejects.toThrow(/Switched traffic back to green; green is live again/);
    expect(f.traffic.switches).toEqual(['green', 'blue', 'green']);
    expect(await f.state.get('store-pl')).toMatchObject({ live: 'green', previous: 'blue', rolledBack: false, switching: null });
  });

  it('refuses a second rollback, which would put the release rolled back from live again; a deploy may', async () => {
    const f = fakes({ live: 'blue' });
    await f.state.recordVersion('store-pl', 'blue', '1.4.1', new Date(0), 1);
    await runDeploy(deployTo('green'), flowContext(f.ports).ctx);
    await runRollback('store-pl', flowContext(f.ports).ctx);
    const again = runRollback('store-pl', flowContext(f.ports).ctx);
    await expect(again).rejects.toBeInstanceOf(ConflictError);
    await expect(again).rejects.toThrow('`store-pl` is already rolled back: blue (1.4.1) is live since job #');
    await expect(again).rejects.toThrow('Rolling back again would put green (1.4.2), the release rolled back from, live again. Not switching.');
    await expect(runRollback('store-pl', flowContext(f.ports, { dryRun: true }).ctx)).rejects.toBeInstanceOf(ConflictError);
    // An in-place deploy of the live colour leaves green holding the release rolled back from.
    await runDeploy(deployTo('blue', '1.4.1-hotfix', true), flowContext(f.ports).ctx);
    await expect(runRollback('store-pl', flowContext(f.ports).ctx)).rejects.toThrow('already rolled back');
    expect(f.traffic.switches).toEqual(['green', 'blue']);
    // Going forward again is a deploy, and then rollback works as before.
    await runDeploy(deployTo('green', '1.4.3'), flowContext(f.ports).ctx);
    expect((await runRollback('store-pl', flowContext(f.ports).ctx)).title).toBe('Rolled back store-pl to blue (1.4.1-hotfix); blue is live');
  });

  it('refuses when the previous colour is not healthy', async () => {
    const f = fakes({ live: 'blue' });
    await runDeploy(deployTo('green'), flowContext(f.ports).ctx);
    f.health.healthy.blue = false;
    await expect(runRollback('store-pl', flowContext(f.ports).ctx)).rejects.toThrow('store-pl/blue is not healthy (HTTP 503); not switching. green stays live.');
    expect(f.traffic.switches).toEqual(['green']);
  });

  it('refuses a colour deployed to after it was last live: a rejected deploy cannot go live by rollback', async () => {
    const f = fakes({ live: 'blue', stores: [storeSpec({ approval: { required: true } })] });
    // green was live with 1.4.1, then blue took over with 1.4.2 (approved).
    await f.state.recordVersion('store-pl', 'green', '1.4.1', new Date(0), 1);
    await f.state.recordVersion('store-pl', 'blue', '1.4.2', new Date(1_000), 2);
    await f.state.recordSwitch('store-pl', 'blue', 'green', new Date(2_000), 2, false);
    const running = runDeploy(deployTo('green', '1.5.0'), flowContext(f.ports).ctx);
    while ((await f.state.pendingApproval('store-pl', new Date(0))) === null) await new Promise((r) => setTimeout(r, 5));
    await decideApproval('store-pl', 'rejected', flowContext(f.ports, { principal: piotr }).ctx);
    await expect(running).rejects.toBeInstanceOf(DeniedError);

    const refused = runRollback('store-pl', flowContext(f.ports).ctx);
    await expect(refused).rejects.toBeInstanceOf(ConflictError);
    await expect(refused).rejects.toThrow('`green` on `store-pl` was deployed to (1.5.0) after it was last live: the release it had is gone, and 1.5.0 has never been live. Not switching.');
    await expect(runRollback('store-pl', flowContext(f.ports, { dryRun: true }).ctx)).rejects.toBeInstanceOf(ConflictError);
    expect(f.traffic.switches).toEqual([]);
  });

  it('refuses a colour whose deploy failed its health checks, when no switch was ever recorded', async () => {
    const f = fakes({ live: 'blue' });
    f.health.healthy.green = false;
    await expect(runDeploy(deployTo('green'), flowContext(f.ports).ctx)).rejects.toBeInstanceOf(BackendError);
    f.health.healthy.green = true;
    await expect(runRollback('store-pl', flowContext(f.ports).ctx)).rejects.toThrow('has never been live');
    expect(f.traffic.switches).toEqual([]);
  });

  it('refuses when nothing is live, and dry-runs without switching', async () => {
    await expect(runRollback('store-pl', flowContext(fakes({ live: null }).ports).ctx)).rejects.toBeInstanceOf(ConflictError);
    const f = fakes({ live: 'green' });
    const reply = await runRollback('store-pl', flowContext(f.ports, { dryRun: true }).ctx);
    expect(reply.title).toBe('Dry run: roll back store-pl to blue');
    expect(f.traffic.switches).toEqual([]);
  });
});

describe('run: playbooks other commands run under their own guards', () => {
  const scaling = { scaledBy: (playbook: string) => (playbook === 'backup' ? [{ service: 'web', env: 'prod' }] : []) };
  const request = (playbook: string, check = false) => ({ playbook, limit: undefined, check, vars: { mode: 'fast' } });

  it('the job refuses a service\'s scale playbook without --check too (its replica may have another config than the one that checked)', () => {
    const f = fakes();
    expect(() => prepareRun(request('backup'), { deploy: f.ports, scaling })).toThrow(
      new UsageError(
        "`backup` is the scale playbook of `web` (prod): run bare, it would skip the scale command's bounds (min and max), cooldown, the environment's permission and the service's lock. Scale with `scale web <change> --env prod`, or see what it would change with `run backup --check`.",
      ),
    );
    expect(prepareRun(request('backup', true), { deploy: f.ports, scaling }).spec.id).toBe('backup');
    // Scaling nothing, it runs as before.
    expect(prepareRun(request('backup'), { deploy: f.ports, scaling: { scaledBy: () => [] } }).spec.id).toBe('backup');
  });
});
