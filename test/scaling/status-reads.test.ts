/**
 * `status <service>` is read-only, so it runs inline for any viewer, with no lock or rate limit.
 * Concurrent reads of one service environment share one orchestrator read (for the ansible
 * orchestrator: one ansible-playbook), a finished read is reused for a few seconds, and a change
 * made through this process, or the scale flow's own reads, always read afresh.
 */
import { describe, expect, it } from 'vitest';
import type { AnsiblePlaybooksPort } from '../../src/backends/ansible/playbooks.js';
import type { AnsibleResult } from '../../src/backends/ansible/runner.js';
import { AnsibleOrchestrator } from '../../src/backends/containers/ansible.js';
import type { PlaybookRunRequest } from '../../src/core/deploy/ports.js';
import { createScalingPort, type ConfiguredService } from '../../src/core/scaling/scaling-port.js';
import type { ScalingPort } from '../../src/core/scaling/ports.js';
import { serviceStatus } from '../../src/core/scaling/status.js';
import { STATUS_READ_TTL_MS } from '../../src/core/shared-reads.js';
import { MovableClock, tableOf } from '../support/app.js';

/** A playbooks port that records each ansible-playbook it would start and answers once released. */
function playbooks() {
  const started: PlaybookRunRequest[] = [];
  const waiting: (() => void)[] = [];
  let replicas = 3;
  const port = {
    run(request: PlaybookRunRequest): Promise<AnsibleResult> {
      started.push(request);
      const answer = (): AnsibleResult => ({ ok: true, exitCode: 0, recap: [], failures: [], tasks: 1, check: false, outputs: { localhost: { opsbot_replicas: replicas, opsbot_ready: replicas } } });
      if (request.vars.opsbot_action === 'scale') {
        replicas = Number(request.vars.opsbot_replicas);
        return Promise.resolve(answer());
      }
      return new Promise((resolve) => waiting.push(() => resolve(answer())));
    },
  } as unknown as AnsiblePlaybooksPort;
  const statusRuns = (): number => started.filter((r) => r.vars.opsbot_action === 'status').length;
  const release = (): void => {
    for (const go of waiting.splice(0)) go();
  };
  return { port, statusRuns, release };
}

function scalingPort(port: AnsiblePlaybooksPort, clock: MovableClock): ScalingPort {
  const environment = (env: string) => ({
    min: 1,
    max: 6,
    orchestrator: new AnsibleOrchestrator({ service: 'procs', env, playbook: 'scale-replicas', statusPlaybook: 'scale-replicas-status', limit: null, connection: 'local', vars: {} }, { playbooks: port }),
  });
  const procs: ConfiguredService = { cooldownMs: 0, readyTimeoutMs: 1_000, pollIntervalMs: 10, defaultEnv: 'local', environments: new Map([['local', environment('local')], ['staging', environment('staging')]]) };
  return createScalingPort({ services: new Map([['procs', procs]]), store: { record: () => Promise.resolve(), settle: () => Promise.resolve(), last: () => Promise.resolve(null), ofJob: () => Promise.resolve(null) }, authorize: () => undefined, clock });
}

const signal = (): AbortSignal => new AbortController().signal;

/** Lets pending reads reach the playbooks port. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('status of a service read by a playbook', () => {
  it('starts one ansible-playbook per environment for 20 concurrent `status procs`, and all of them get its answer', async () => {
    const fake = playbooks();
    const port = scalingPort(fake.port, new MovableClock());
    const asked = Array.from({ length: 20 }, () => serviceStatus(port, 'procs', signal()));
    await settle();
    expect(fake.statusRuns()).toBe(2);
    fake.release();
    const answers = await Promise.all(asked);
    for (const answer of answers) expect(tableOf(answer).rows.map((r) => r[4])).toEqual(['3/3', '3/3']);
    expect(fake.statusRuns()).toBe(2);
  });

  it('reuses a finished read for a few seconds, then reads again', async () => {
    const fake = playbooks();
    const clock = new MovableClock();
    const port = scalingPort(fake.port, clock);
    const first = serviceStatus(port, 'procs', signal());
    await settle();
    fake.release();
    await first;
    expect(fake.statusRuns()).toBe(2);

    clock.advance(STATUS_READ_TTL_MS - 1_000);
    await serviceStatus(port, 'procs', signal());
    expect(fake.statusRuns()).toBe(2);

    clock.advance(1_000);
    const later = serviceStatus(port, 'procs', signal());
    await settle();
    expect(fake.statusRuns()).toBe(4);
    fake.release();
    await later;
  });

  it('goes on reading for the others when one caller gives up', async () => {
    const fake = playbooks();
    const port = scalingPort(fake.port, new MovableClock());
    const impatient = new AbortController();
    const gaveUp = serviceStatus(port, 'procs', impatient.signal);
    const patient = serviceStatus(port, 'procs', signal());
    await settle();
    impatient.abort(new Error('inline deadline'));
    await expect(gaveUp).rejects.toThrow('inline deadline');
    fake.release();
    expect(tableOf(await patient).rows.map((r) => r[4])).toEqual(['3/3', '3/3']);
    expect(fake.statusRuns()).toBe(2);
  });

  it('reads afresh for the scale flow, and for `status` once this process has scaled', async () => {
    const fake = playbooks();
    const port = scalingPort(fake.port, new MovableClock());
    const before = serviceStatus(port, 'procs', signal());
    await settle();
    fake.release();
    await before;

    const target = port.resolve('procs', 'local');
    const planned = port.read(target, signal());
    await settle();
    expect(fake.statusRuns()).toBe(3);
    fake.release();
    expect(await planned).toEqual({ desired: 3, ready: 3 });

    await port.scale(target, 5, 3, signal());
    const after = serviceStatus(port, 'procs', signal());
    await settle();
    // Only the environment that was scaled is read again.
    expect(fake.statusRuns()).toBe(4);
    fake.release();
    expect(tableOf(await after).rows.map((r) => r[4])).toEqual(['5/5', '3/3']);
  });
});
