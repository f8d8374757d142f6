/** The bot's words about jobs: terse, the facts, the job id. */
import type { Block, Message } from '../message.js';
import { formatDuration } from '../args/duration.js';
import type { JobRecord, JobState, LockRecord, LostJob } from '../store.js';
import { formatTime, inlineCode } from '../format.js';

export function describeHolder(holder: LockRecord): string {
  const what = holder.jobId !== null ? `job #${holder.jobId}` : `a freeze${holder.reason === null ? '' : `: "${holder.reason}"`}`;
  return `${holder.holder.name} (${what}, since ${formatTime(holder.acquiredAt)})`;
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

const STOPPED_HERE = 'It was stopped here; check the target before running it again.';

/** Why a job this process no longer holds was stopped (its error, shown in chat and by `job <id>`). */
export function lostJobReason(job: LostJob): string {
  if (job.why === 'lease') return `Lost its lock on \`${job.lockKey}\`: its lease ran out and another opsbot process may have taken over. ${STOPPED_HERE}`;
  if (job.state === null) return `Lost its lock: its record is gone from the store. ${STOPPED_HERE}`;
  return `Lost its lock: another opsbot process took over and recorded this job as ${job.state}. ${STOPPED_HERE}`;
}

export function unrenewedLeaseReason(lockTtlMs: number): string {
  return `Lost its lock: its lease was not renewed for ${formatDuration(lockTtlMs)} (the store did not answer, or this opsbot process was paused), so another opsbot process may have taken over. ${STOPPED_HERE}`;
}

/**
 * The reply of a job whose end had already been written by another process (its recovery) when
 * the job's own end came: the record keeps that end, and the reply must not claim another one.
 */
export function endedElsewhereMessage(recorded: JobRecord, own: { readonly state: JobState; readonly error: string | null }): Message {
  if (own.state === recorded.state) return failureMessage(recorded, recorded.state, own.error ?? recorded.error ?? 'Another opsbot process ended it.');
  const afterwards = `Its run in this process ended afterwards (it ${stateWords(own.state)}); the record keeps the earlier end.`;
  return failureMessage(recorded, recorded.state, `${recorded.error ?? 'Another opsbot process ended it.'} ${afterwards}`);
}

export function failureMessage(job: JobRecord, state: JobState, error: string): Message {
  return {
    title: `Job #${job.id} ${stateWords(state)}`,
    tone: state === 'cancelled' ? 'warning' : 'danger',
    blocks: [
      { kind: 'text', text: error },
      { kind: 'text', text: `${inlineCode(job.text)} — see \`job ${job.id}\` for its log.` },
    ],
  };
}

/** A job's reply with `redact` applied to all of its text: a handler may echo a secret it was given. */
export function redactMessage(message: Message, redact: (text: string) => string): Message {
  const blocks = message.blocks.map((block): Block => {
    switch (block.kind) {
      case 'text':
      case 'code':
        return { ...block, text: redact(block.text) };
      case 'fields':
        return { ...block, fields: block.fields.map((f) => ({ ...f, label: redact(f.label), value: redact(f.value) })) };
      case 'table':
        return { ...block, columns: block.columns.map(redact), rows: block.rows.map((r) => r.map(redact)) };
      case 'progress':
        return { ...block, step: redact(block.step) };
      case 'links':
        return { ...block, links: block.links.map((l) => ({ label: redact(l.label), url: redact(l.url) })) };
    }
  });
  return {
    ...message,
    ...(message.title === undefined ? {} : { title: redact(message.title) }),
    blocks,
    ...(message.actions === undefined ? {} : { actions: message.actions.map((a) => ({ ...a, label: redact(a.label), command: redact(a.command) })) }),
  };
}
