/**
 * opsbot dying in the middle of a `scale`, at the core: a port call that never returns is where the
 * process died (nothing after it runs), and a fresh flow over the same store and orchestrator is the
 * next command after the restart. The orchestrator is the Kubernetes stand-in on the apps/v1 contract.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createScalingPortFromConfig } from '../../src/backends/containers/scaling-from-config.js';
import type { CommandContext } from '../../src/core/command.js';
import { BackendError, ConflictError } from '../../src/core/errors.js';
import type { Ports } from '../../src/core/ports.js';
import { parseScaleChange, type ScaleChange } from '../../src/core/scaling/change.js';
import { scalingAfterInterruption } from '../../src/core/scaling/interrupted.js';
import type { ScalingPort } from '../../src/core/scaling/ports.js';
import { runScale } from '../../src/core/scaling/scale-flow.js';
import { serviceStatus } from '../../src/core/scaling/status.js';
import type { Store } from '../../src/core/store.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { eventually, MovableClock, people, places, tableOf } from '../support/app.js';
import { kubeService, startKubeStandIn, type KubeStandIn } from './support.js';

const never = <T>(): Promise<T> => new Promise<T>(() => undefined);
/** Lets the abandoned flow run up to the call it never returns from. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface World {
  readonly standIn: KubeStandIn;
  readonly store: Store;
  readonly clock: MovableClock;
  port(): ScalingPort;
}

async function world(desired: number): Promise<World> {
  const standIn = await startKubeStandIn({ desired });
  const store = await openSqliteStore({ path: ':memory:' });
  cleanups.push(() => standIn.server.close(), () => store.close());
  const clock = new MovableClock();
  const port = () => createScalingPortFromConfig({ services: { api: kubeService(standIn.server.url) }, store: store.scaling, authorize: () => undefined, clock });
  return { standIn, store, clock, port };
}

function context(jobId: number, clock: MovableClock): CommandContext {
  return {
    principal: people.olga,
    conversation: places.ops,
    invocationId: `inv-${jobId}`,
    jobId,
    dryRun: false,
    signal: new AbortController().signal,
    clock,
    log: () => undefined,
    progress: () => undefined,
    ref: () => undefined,
    keepRefs: () => Promise.resolve(),
    ports: {} as Ports,
  };
}

const change = (text: string): ScaleChange => {
  const parsed = parseScaleChange(text);
  if (parsed === null) throw new Error(text);
  return parsed;
};

describe('opsbot dies during a scale', () => {
  it('after the orchestrator took the change, before its answer came back: the cooldown holds, status says it is unconfirmed, recovery says what may have happened', async () => {
    const w = await world(3);
    const real = w.port();
    // The orchestrator takes the change; opsbot dies before the next line.
    const dying: ScalingPort = { ...real, scale: async (...args) => {
      await real.scale(...args);
      return never();
    } };
    void runScale(dying, { service: 'api', env: undefined, change: change('x2') }, context(1, w.clock));
    await eventually(() => w.standIn.deployment.desired, (d) => d === 6, 'the orchestrator taking the change');
    await settle();

    // The next scale, 10 s later: refused by the cooldown, not a second doubling.
    w.clock.advance(10_000);
    const again = runScale(w.port(), { service: 'api', env: undefined, change: change('x2') }, context(2, w.clock));
    await expect(again).rejects.toBeInstanceOf(ConflictError);
    await expect(again).rejects.toThrow('`api` (production) was being scaled 3 → 6 by Olga 10s ago (not confirmed by the orchestrator: job #1 never saw the answer, or is still waiting for it); the cooldown is 1m');
    expect(w.standIn.deployment.desired).toBe(6);

    // status: the count the orchestrator has, and the scaling as unconfirmed.
    const row = tableOf(await serviceStatus(w.port(), 'api', new AbortController().signal)).rows.find((r) => r[1] === 'production');
    expect(row?.[3]).toBe('6');
    expect(row?.[6]).toContain('3 → 6 by Olga');
    expect(row?.[6]).toContain('(not confirmed by the orchestrator: job #1 never saw the answer, or is still waiting for it)');

    expect(await scalingAfterInterruption({ id: 1, args: { service: 'api', change: 'x2' }, dryRun: false }, w.store.scaling)).toBe(
      'It had asked for 3 → 6 replicas of `api` (production) and never saw the answer: the service may now run 6 or still 3. `status api` shows the count now; the cooldown counts this scaling.',
    );

    // Once the cooldown is over, the next scale plans from the orchestrator's count, not a record.
    w.clock.advance(60_000);
    const reply = await runScale(w.port(), { service: 'api', env: undefined, change: change('+1') }, context(3, w.clock));
    expect(reply.title).toBe('api 6 → 7');
    expect(await w.store.scaling.last('api', 'production')).toMatchObject({ from: 6, to: 7, jobId: 3 });
    expect((await w.store.scaling.last('api', 'production'))?.pending).toBeUndefined();
  });

  it('before the orchestrator was told: recovery says nothing was asked, and nothing holds the next scale', async () => {
    const w = await world(3);
    const real = w.port();
    void runScale({ ...real, read: () => never() }, { service: 'api', env: undefined, change: change('x2') }, context(1, w.clock));
    await settle();
    expect(await scalingAfterInterruption({ id: 1, args: { service: 'api', change: 'x2' }, dryRun: false }, w.store.scaling)).toBe(
      'It had not asked the orchestrator for a change: `api` has the replicas it had, as `status api` shows.',
    );
    expect((await runScale(real, { service: 'api', env: undefined, change: change('x2') }, context(2, w.clock))).title).toBe('api 3 → 6');
  });
});

describe('a scale the orchestrator refuses', () => {
  it('leaves no scaling behind when the count did not move, so the cooldown does not hold the next one', async () => {
    const w = await world(3);
    const real = w.port();
    const refusing: ScalingPort = { ...real, scale: () => Promise.reject(new BackendError('the object has been modified', 'kubernetes')) };
    await expect(runScale(refusing, { service: 'api', env: undefined, change: change('x2') }, context(1, w.clock))).rejects.toThrow('the object has been modified');
    expect(await w.store.scaling.last('api', 'production')).toBeNull();
    expect((await runScale(real, { service: 'api', env: undefined, change: change('x2') }, context(2, w.clock))).title).toBe('api 3 → 6');
  });
});
