/** The bot's words about jobs: terse, the facts, the job id. */
import type { Message } from '../message.js';
import type { JobRecord, JobState, LockRecord } from '../store.js';

export function describeHolder(holder: LockRecord): string {
  const what = holder.jobId !== null ? `job #${holder.jobId}` : `a freeze${holder.reason === null ? '' : `: "${holder.reason}"`}`;
  return `${holder.holder.name} (${what}, since ${holder.acquiredAt.toISOString()})`;
}

export function summarize(reply: Message): string {
  const first = reply.title ?? reply.blocks.find((b) => b.kind === 'text')?.text ?? 'done';
  return first.length > 200 ? `${first.slice(0, 199)}…` : first;
}

const STATE_WORDS: Readonly<Record<JobState, string>> = {
  queued: 'is queued',
  running: 'is running',
  succeeded: 'succeeded',
  failed: 'failed',
  cancelled: 'was cancelled',
  timed_out: 'timed out',
  interrupted: 'was interrupted',
};

export function stateWords(state: JobState): string {
  return STATE_WORDS[state];
}

export function failureMessage(job: JobRecord, state: JobState, error: string): Message {
  return {
    title: `Job #${job.id} ${stateWords(state)}`,
    tone: state === 'cancelled' ? 'warning' : 'danger',
    blocks: [
      { kind: 'text', text: error },
      { kind: 'text', text: `\`${job.text}\` — see \`job ${job.id}\` for its log.` },
    ],
  };
}
