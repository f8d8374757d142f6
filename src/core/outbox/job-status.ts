/**
 * The live message of a job, in the neutral model: one post per job, edited in place as it runs
 * (step, progress, elapsed time, the last log lines, a Cancel button), then its final summary (the
 * handler's result or the error, how long it took, links from its refs). Each chat adapter renders it.
 */
import { formatDuration } from '../args/duration.js';
import { formatTime, inlineCode, tail } from '../format.js';
import { stateWords } from '../jobs/texts.js';
import type { Block, Field, Link, Message, Tone } from '../message.js';
import { FINAL_JOB_STATES, type JobRecord, type JobState } from '../store.js';

/** The message key of a job's live post (outbox rows and message refs). */
export function jobKey(jobId: number): string {
  return `job:${jobId}`;
}

const TONES: Readonly<Record<JobState, Tone>> = {
  queued: 'neutral',
  running: 'info',
  succeeded: 'success',
  failed: 'danger',
  timed_out: 'danger',
  interrupted: 'danger',
  cancelled: 'warning',
};

/** Log lines shown while a job runs; the full tail is `job <id>`. */
const LIVE_LOG_LINES = 6;
const LIVE_LOG_CHARS = 1_200;
/** Log lines kept in the final post of a job that did not succeed: usually where it says why. */
const FAILED_LOG_LINES = 10;
const FAILED_LOG_CHARS = 2_000;

function isUrl(value: string): boolean {
  return /^https?:\/\/\S+$/i.test(value);
}

function refsAsFieldsAndLinks(job: JobRecord): { fields: Field[]; links: Link[] } {
  const fields: Field[] = [];
  const links: Link[] = [];
  for (const [name, value] of Object.entries(job.refs)) {
    if (isUrl(value)) links.push({ label: name, url: value });
    else fields.push({ label: name, value, short: true });
  }
  return { fields, links };
}

export function jobStatusMessage(job: JobRecord, now: Date, reply?: Message): Message {
  const final = FINAL_JOB_STATES.includes(job.state);
  const blocks: Block[] = [{ kind: 'text', text: `${inlineCode(job.text)}${job.dryRun ? ' (dry run)' : ''} — ${job.principal.name}` }];
  const { fields: refFields, links } = refsAsFieldsAndLinks(job);

  if (!final) {
    if (job.state === 'queued') blocks.push({ kind: 'text', text: `Waiting for \`${job.lockKey ?? ''}\` to be free.` });
    if (job.step !== null) blocks.push({ kind: 'progress', step: job.step, done: job.progressDone ?? 0, total: job.progressTotal });
    const elapsed = job.startedAt === null ? null : now.getTime() - job.startedAt.getTime();
    blocks.push({
      kind: 'fields',
      fields: [
        { label: 'Started', value: formatTime(job.startedAt), short: true },
        { label: 'Elapsed', value: elapsed === null ? '—' : formatDuration(Math.max(0, elapsed)), short: true },
        ...(job.lockKey === null ? [] : [{ label: 'Target', value: job.lockKey, short: true }]),
        ...refFields,
      ],
    });
    if (job.output !== '') blocks.push({ kind: 'code', text: tail(job.output, LIVE_LOG_LINES, LIVE_LOG_CHARS) });
    if (links.length > 0) blocks.push({ kind: 'links', links });
    return {
      title: `Job #${job.id} ${stateWords(job.state)}`,
      tone: TONES[job.state],
      blocks,
      actions: [{ id: 'cancel', label: 'Cancel', style: 'danger', command: `cancel ${job.id}` }],
    };
  }

  if (job.state === 'succeeded' && reply !== undefined) {
    if (reply.title !== undefined) blocks.push({ kind: 'text', text: `**${reply.title}**` });
    blocks.push(...reply.blocks);
  } else if (job.error !== null) {
    blocks.push({ kind: 'text', text: job.error });
  } else if (job.summary !== null) {
    blocks.push({ kind: 'text', text: job.summary });
  }
  // A job that failed, timed out or was cancelled keeps the end of its (redacted) log in view.
  if (job.state !== 'succeeded' && job.output !== '') blocks.push({ kind: 'code', text: tail(job.output, FAILED_LOG_LINES, FAILED_LOG_CHARS) });
  const took = job.startedAt === null || job.finishedAt === null ? null : job.finishedAt.getTime() - job.startedAt.getTime();
  blocks.push({
    kind: 'fields',
    fields: [
      { label: 'Took', value: took === null ? '—' : formatDuration(Math.max(0, took)), short: true },
      { label: 'Finished', value: formatTime(job.finishedAt), short: true },
      ...refFields,
    ],
  });
  if (links.length > 0) blocks.push({ kind: 'links', links });
  if (job.output !== '') blocks.push({ kind: 'text', text: `Log: \`job ${job.id} --lines 500\`` });
  const actions = job.state === 'succeeded' ? (reply?.actions ?? []) : [];
  return {
    title: `Job #${job.id} ${stateWords(job.state)}`,
    tone: TONES[job.state],
    blocks,
    ...(actions.length > 0 ? { actions } : {}),
    // The whole (already redacted) log, for platforms that can attach it when it is too long to show.
    ...(job.output === '' ? {} : { file: { name: jobLogName(job.id), text: job.output } }),
  };
}

/** The file name of a job's log when a chat platform attaches it. */
export function jobLogName(jobId: number): string {
  return `job-${jobId}.log`;
}
