/**
 * What an interrupted `scale` leaves behind, for the report recovery writes, from the scaling the job
 * noted before it told the orchestrator (scale-flow.ts): none means the orchestrator was never told;
 * an unconfirmed one may have happened (the cooldown counts it); a confirmed one happened, and the job
 * was waiting for the replicas to be ready.
 */
import type { JobRecord } from '../store.js';
import type { ScalingStore } from './ports.js';

export async function scalingAfterInterruption(job: Pick<JobRecord, 'id' | 'args' | 'dryRun'>, scaling: Pick<ScalingStore, 'ofJob'>): Promise<string | null> {
  const { service } = job.args;
  if (job.dryRun || typeof service !== 'string') return null;
  const record = await scaling.ofJob(job.id);
  if (record === null) return `It had not asked the orchestrator for a change: \`${service}\` has the replicas it had, as \`status ${service}\` shows.`;
  const what = `${record.from} → ${record.to} replicas of \`${record.service}\` (${record.env})`;
  if (record.pending === true) {
    return `It had asked for ${what} and never saw the answer: the service may now run ${record.to} or still ${record.from}. \`status ${service}\` shows the count now; the cooldown counts this scaling.`;
  }
  return `The orchestrator took ${what}; the job was waiting for them to be ready. \`status ${service}\` shows how many are.`;
}
