/**
 * How a scaling the orchestrator never confirmed is named, in `status`, the cooldown's refusal and
 * recovery's report: the job that asked for it stopped (or is still waiting) before the answer, so it
 * may or may not have happened. The orchestrator's own count, which every `scale` and `status` reads
 * afresh, says where the service is now.
 */
import type { ScalingRecord } from './ports.js';

export function unconfirmed(record: Pick<ScalingRecord, 'jobId'>): string {
  return `not confirmed by the orchestrator: ${record.jobId === null || record.jobId === 0 ? 'its job' : `job #${record.jobId}`} never saw the answer, or is still waiting for it`;
}
