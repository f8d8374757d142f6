/**
 * opsbot dying in the middle of a deploy or rollback, at the core: a port call that never returns is
 * where the process died (nothing after it runs), and a fresh flow over the same store and balancer
 * is the next command after the restart. What the store then says, and what `status`, `rollback` and
 * the next `deploy` do with it. The same with a real process, SIGKILL and a real HAProxy is in
 * crash-e2e.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { runDeploy } from '../../src/core/deploy/deploy-flow.js';
import { runRollback } from '../../src/core/deploy/rollback-flow.js';
import { describeStatus } from '../../src/core/deploy/status.js';
import { ConflictError } from '../../src/core/errors.js';
import type { JobsPort, LocksPort } from '../../src/core/ports.js';
import { fakes, flowContext, type Fakes } from './support/fakes.js';

const deployTo = (colour: 'blue' | 'green' | 'auto', version = '1.5.0') => ({ store: 'store-pl', colour, version, force: false });
const never = <T>(): Promise<T> => new Promise<T>(() => undefined);
/** Lets the abandoned flow run up to the call it never returns from. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

/** green was live with 1.4.1, then blue took over with 1.4.2 (job 2): blue live, green previous. */
async function blueLiveAfterGreen(): Promise<Fakes> {
  const f = fakes({ live: 'blue' });
  await f.state.recordVersion('store-pl', 'green', '1.4.1', new Date(Date.UTC(2026, 0, 1)), 1);
  await f.state.recordVersion('store-pl', 'blue', '1.4.2', new Date(Date.UTC(2026, 0, 2)), 2);
  await f.state.recordSwitch('store-pl', 'blue', 'green', new Date(Date.UTC(2026, 0, 3)), 2, false);
  return f;
}

async function statusLive(f: Fakes): Promise<string | undefined> {
  const locks = { list: () => Promise.resolve([]) } as unknown as LocksPort;
  const jobs = { list: () => Promise.resolve([]) } as unknown as JobsPort;
  const reply = await describeStatus('store-pl', { deploy: f.ports, locks, jobs, signal: new AbortController().signal });
  const table = reply.blocks[0];
  return table?.kind === 'table' ? table.rows[0]?.[2] : undefined;
}

describe('opsbot dies during a deploy', () => {
  it('in the playbook: rollback will not switch to the half-deployed colour', async () => {
    const f = await blueLiveAfterGreen();
    f.playbooks.during = never;
    void runDeploy(deployTo('green'), flowContext(f.ports, { jobId: 3 }).ctx);
    await settle();
    expect(f.playbooks.runs).toHaveLength(1);

    const refused = runRollback('store-pl', flowContext(f.ports, { jobId: 4 }).ctx);
    await expect(refused).rejects.toBeInstanceOf(ConflictError);
    await expect(refused).rejects.toThrow('`green` on `store-pl` was deployed to (1.5.0) after it was last live');
    expect(f.traffic.switches).toEqual([]);
    expect(await statusLive(f)).toBe('blue');
  });

  it('after the switch, before its record: status says so, and the next action records the switch from the balancer first', async () => {
    const f = await blueLiveAfterGreen();
    const verify = f.health.verifyFrontend.bind(f.health);
    f.health.verifyFrontend = never;
    void runDeploy(deployTo('green'), flowContext(f.ports, { jobId: 3 }).ctx);
    await settle();
    f.health.verifyFrontend = verify;
    expect(f.traffic.current).toBe('green');
    expect(await f.state.get('store-pl')).toMatchObject({ live: 'blue', switching: { from: 'blue', to: 'green', jobId: 3, rollback: false } });
    expect(await statusLive(f)).toBe('green (recorded: blue; job #3 switching traffic blue → green did not finish)');

    // A dry run reads as if settled and writes nothing.
    const dry = await runRollback('store-pl', flowContext(f.ports, { jobId: 4, dryRun: true }).ctx);
    expect(dry.title).toBe('Dry run: roll back store-pl to blue');
    expect((await f.state.get('store-pl'))?.switching).not.toBeNull();

    const { ctx, log } = flowContext(f.ports, { jobId: 5 });
    const reply = await runRollback('store-pl', ctx);
    expect(log).toContain('job #3 switching traffic blue → green stopped before recording it; haproxy be has green live, so that is recorded now (the switch was never verified)');
    expect(reply.title).toBe('Rolled back store-pl to blue (1.4.2); blue is live');
    expect(f.traffic.switches).toEqual(['green', 'blue']);
    expect(await f.state.get('store-pl')).toMatchObject({ live: 'blue', previous: 'green', rolledBack: true, switching: null });
  });

  it('halfway through the switch, both colours taking traffic: deploy and rollback refuse to guess', async () => {
    const f = await blueLiveAfterGreen();
    // HAProxy's first half of a switch: green ready, blue not yet in maintenance.
    f.traffic.switchTo = () => {
      f.traffic.current = null;
      return never();
    };
    void runDeploy(deployTo('green'), flowContext(f.ports, { jobId: 3 }).ctx);
    await settle();
    f.playbooks.runs.length = 0;

    const deploy = runDeploy(deployTo('auto', '1.5.1'), flowContext(f.ports, { jobId: 4 }).ctx);
    await expect(deploy).rejects.toBeInstanceOf(ConflictError);
    await expect(deploy).rejects.toThrow(
      'haproxy be shows no single live colour for `store-pl` (both colours take traffic, or neither), and job #3 switching traffic blue → green did not finish. Not guessing which one is live',
    );
    expect(f.playbooks.runs).toEqual([]);
    await expect(runRollback('store-pl', flowContext(f.ports, { jobId: 5 }).ctx)).rejects.toThrow('Not guessing which one is live');
    expect((await f.state.get('store-pl'))?.switching).toMatchObject({ jobId: 3 });
    expect(await statusLive(f)).toBe('none (recorded: blue; job #3 switching traffic blue → green did not finish)');

    // Someone puts traffic on blue by hand: the switch did not happen, and deploys go on.
    f.traffic.current = 'blue';
    f.traffic.switchTo = (_store, colour) => {
      f.traffic.current = colour;
      f.traffic.switches.push(colour);
      return Promise.resolve();
    };
    f.health.verifyFrontend = () => Promise.resolve({ healthy: true, attempts: 3, detail: 'HTTP 200' });
    const reply = await runDeploy(deployTo('auto', '1.5.1'), flowContext(f.ports, { jobId: 6 }).ctx);
    expect(reply.title).toBe('Deployed 1.5.1 to store-pl/green; green is live');
    expect(await f.state.get('store-pl')).toMatchObject({ live: 'green', previous: 'blue', switching: null });
  });

  it('the balancer showing no single live colour while a colour is recorded live is refused too, crash or not', async () => {
    const f = await blueLiveAfterGreen();
    f.traffic.current = null;
    await expect(runDeploy(deployTo('auto'), flowContext(f.ports).ctx)).rejects.toThrow('haproxy be shows no single live colour for `store-pl` (both colours take traffic, or neither), and opsbot recorded blue as live.');
    expect(f.playbooks.runs).toEqual([]);
  });
});

describe('opsbot dies during a rollback', () => {
  it('after the switch, before its record: a second rollback is still refused, not a switch back to the release rolled back from', async () => {
    const f = await blueLiveAfterGreen();
    const verify = f.health.verifyFrontend.bind(f.health);
    f.health.verifyFrontend = never;
    void runRollback('store-pl', flowContext(f.ports, { jobId: 3 }).ctx);
    await settle();
    f.health.verifyFrontend = verify;
    expect(f.traffic.current).toBe('green');

    const again = runRollback('store-pl', flowContext(f.ports, { jobId: 4 }).ctx);
    await expect(again).rejects.toBeInstanceOf(ConflictError);
    await expect(again).rejects.toThrow('`store-pl` is already rolled back: green (1.4.1) is live since job #3.');
    expect(f.traffic.switches).toEqual(['green']);
    expect(await f.state.get('store-pl')).toMatchObject({ live: 'green', previous: 'blue', rolledBack: true, switching: null });
  });

  it('before the switch took effect: the next rollback finds traffic where it was and rolls back', async () => {
    const f = await blueLiveAfterGreen();
    const switchTo = f.traffic.switchTo.bind(f.traffic);
    f.traffic.switchTo = () => never();
    void runRollback('store-pl', flowContext(f.ports, { jobId: 3 }).ctx);
    await settle();
    expect((await f.state.get('store-pl'))?.switching).toMatchObject({ from: 'blue', to: 'green', rollback: true });

    f.traffic.switchTo = switchTo;
    const reply = await runRollback('store-pl', flowContext(f.ports, { jobId: 4 }).ctx);
    expect(reply.title).toBe('Rolled back store-pl to green (1.4.1); green is live');
    expect(await f.state.get('store-pl')).toMatchObject({ live: 'green', previous: 'blue', rolledBack: true, switching: null, jobId: 4 });
  });
});

describe('a switch that settles without a crash', () => {
  it('is cleared once traffic is switched back; a failed switch-back leaves it for the next action', async () => {
    const f = await blueLiveAfterGreen();
    f.health.frontend = false;
    await expect(runDeploy(deployTo('green'), flowContext(f.ports, { jobId: 3 }).ctx)).rejects.toThrow('Switched traffic back to blue');
    expect(await f.state.get('store-pl')).toMatchObject({ live: 'blue', switching: null });

    f.traffic.failures.push(undefined, new Error('No such server.'));
    await expect(runDeploy(deployTo('green', '1.5.1'), flowContext(f.ports, { jobId: 4 }).ctx)).rejects.toThrow('Switching back to blue FAILED too');
    expect(f.traffic.current).toBe('green');
    expect((await f.state.get('store-pl'))?.switching).toMatchObject({ jobId: 4, to: 'green' });
    f.health.frontend = true;
    await runRollback('store-pl', flowContext(f.ports, { jobId: 5 }).ctx);
    expect(f.traffic.current).toBe('blue');
    expect(await f.state.get('store-pl')).toMatchObject({ live: 'blue', previous: 'green', rolledBack: true, switching: null });
  });
});
