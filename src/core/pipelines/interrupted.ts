/**
 * What an interrupted `pipeline run` or `pipeline retry` leaves behind, for the report recovery
 * writes: the run it started keeps going on the server without opsbot (nothing stops it when opsbot
 * dies), and its lock is free again. The run's number and link are kept in the job's refs the moment
 * the server answers the start (pipeline-flow.ts), so the report names them; a job that died before
 * that answer may still have started one, and the report says so instead of saying nothing.
 */
import type { JobRecord } from '../store.js';
import { formatRun } from './run-ref.js';

export function pipelineAfterInterruption(job: Pick<JobRecord, 'args' | 'refs' | 'dryRun'>): string | null {
  const { action, target } = job.args;
  if (job.dryRun || (action !== 'run' && action !== 'retry') || typeof target !== 'string') return null;
  const { pipeline, run, url } = job.refs;
  if (pipeline !== undefined && run !== undefined) {
    const name = formatRun({ pipeline, id: run });
    return (
      `It had started ${name}${url === undefined ? '' : ` (${url})`}, which goes on on the server without opsbot, and its lock is free: ` +
      `\`pipeline status ${name}\` shows where it is, \`pipeline cancel ${name}\` stops it.`
    );
  }
  const what = action === 'run' ? `a run of \`${target}\`` : `a retry of \`${target}\``;
  return `It may have started ${what} that it never recorded (opsbot stopped while the server was answering): look for it on the server before running it again.`;
}
