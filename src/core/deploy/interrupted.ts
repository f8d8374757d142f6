/**
 * What an interrupted deploy or rollback means for traffic, for the report recovery writes: the
 * job's last step alone does not say whether traffic moved (progress is throttled, and the step
 * names the action, not its effect), but the switch it left pending in the store does.
 */
import type { JobRecord } from '../store.js';
import type { DeployStateStore } from './ports.js';

export async function trafficAfterInterruption(job: Pick<JobRecord, 'id' | 'command' | 'lockKey' | 'dryRun'>, state: Pick<DeployStateStore, 'get'>): Promise<string | null> {
  if ((job.command !== 'deploy' && job.command !== 'rollback') || job.lockKey === null || job.dryRun) return null;
  const store = job.lockKey;
  const recorded = await state.get(store);
  const pending = recorded?.switching ?? null;
  if (pending === null || pending.jobId !== job.id) {
    return `It left no traffic switch half done: traffic is where \`status ${store}\` shows it.`;
  }
  return (
    `It had begun switching traffic ${pending.from ?? 'nothing'} → ${pending.to} and never verified it: traffic may have moved to ${pending.to}` +
    `${pending.from === null ? '' : ` (or both colours may take it)`}. Check \`status ${store}\`. The next deploy or rollback of ${store} records what the balancer shows first, and refuses to act while it shows no single live colour.`
  );
}
