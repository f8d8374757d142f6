/**
 * `status [store]`: per store, the live colour (read back from the balancer and as recorded), the
 * version of each colour, a health probe of each, the lock holder and the jobs running on it.
 */
import type { Message } from '../message.js';
import type { JobsPort, LocksPort } from '../ports.js';
import type { DeployPorts } from './ports.js';
import { requireStore } from './deploy-flow.js';
import { describePending } from './traffic-now.js';
import { COLOURS, type Colour, type StoreSpec } from './types.js';

export interface StatusContext {
  readonly deploy: DeployPorts;
  readonly locks: LocksPort;
  readonly jobs: JobsPort;
  readonly signal: AbortSignal;
}

export async function describeStatus(storeName: string | undefined, ctx: StatusContext): Promise<Message> {
  const stores = storeName === undefined ? ctx.deploy.stores.list() : [requireStore(ctx, storeName)];
  if (stores.length === 0) return { tone: 'neutral', blocks: [{ kind: 'text', text: 'No stores are configured.' }] };
  const [locks, jobs] = await Promise.all([ctx.locks.list(), ctx.jobs.list({ limit: 200, states: ['running', 'queued'] })]);
  const rows = await Promise.all(stores.map((spec) => storeRow(spec, ctx, locks, jobs)));
  return {
    title: storeName === undefined ? 'Stores' : `Store ${storeName}`,
    tone: 'neutral',
    blocks: [{ kind: 'table', columns: ['store', 'env', 'live', 'blue', 'green', 'lock', 'jobs'], rows }],
  };
}

async function storeRow(spec: StoreSpec, ctx: StatusContext, locks: Awaited<ReturnType<LocksPort['list']>>, jobs: Awaited<ReturnType<JobsPort['list']>>): Promise<string[]> {
  const [state, live, ...health] = await Promise.all([
    ctx.deploy.state.get(spec.name),
    ctx.deploy.traffic.live(spec.name, ctx.signal).then(
      (c): string => c ?? 'none',
      (error: unknown) => `unknown (${error instanceof Error ? error.message : String(error)})`,
    ),
    ...COLOURS.map((colour) => ctx.deploy.health.probe(spec.name, colour, ctx.signal)),
  ]);
  const recorded = state?.live ?? null;
  const pending = state?.switching ?? null;
  // A switch left pending by a job that stopped: the record may be behind the balancer until the
  // next deploy or rollback settles it, so status says so rather than show the record as settled.
  const liveText =
    pending !== null
      ? `${live} (recorded: ${recorded ?? 'none'}; ${describePending(pending)} did not finish)`
      : recorded === null || recorded === live
        ? live
        : `${live} (recorded: ${recorded})`;
  const colourText = (colour: Colour, i: number): string => {
    const probe = health[i];
    return `${state?.versions[colour] ?? '—'} ${probe === undefined ? '' : probe.healthy ? 'healthy' : `unhealthy: ${probe.detail}`}`.trim();
  };
  const lock = locks.find((l) => l.key === spec.name);
  const running = jobs.filter((j) => j.lockKey === spec.name).map((j) => `#${j.id} ${j.command} (${j.state}${j.step === null ? '' : `: ${j.step}`})`);
  return [
    spec.name,
    spec.env,
    liveText,
    colourText('blue', 0),
    colourText('green', 1),
    lock === undefined ? '—' : `${lock.holder.name} (${lock.jobId === null ? `freeze${lock.reason === null ? '' : `: ${lock.reason}`}` : `job #${lock.jobId}`})`,
    running.length === 0 ? '—' : running.join(', '),
  ];
}
