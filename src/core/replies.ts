/** How outcomes and errors read in chat: one clear sentence, then the usage or a hint. */
import { isOpsbotError } from './errors.js';
import { inlineCode } from './format.js';
import type { Block, Message } from './message.js';
import type { JobRecord } from './store.js';

export function errorReply(error: unknown, correlationId: string): Message {
  if (isOpsbotError(error)) {
    const blocks: Block[] = [{ kind: 'text', text: error.message }];
    if (error.hint !== undefined) blocks.push({ kind: 'code', text: error.hint });
    return { tone: error.code === 'conflict' || error.code === 'usage' ? 'warning' : 'danger', blocks, ephemeral: true };
  }
  return {
    tone: 'danger',
    blocks: [{ kind: 'text', text: `Something went wrong on our side (ref ${correlationId}). The details are in opsbot's log.` }],
    ephemeral: true,
  };
}

export function acceptedReply(job: JobRecord): Message {
  const queued = job.state === 'queued';
  return {
    tone: 'info',
    blocks: [
      {
        kind: 'text',
        text: queued
          ? `Job #${job.id} is queued until \`${job.lockKey ?? ''}\` is free: ${inlineCode(job.text)}`
          : `Job #${job.id} started: ${inlineCode(job.text)}${job.dryRun ? ' (dry run)' : ''}`,
      },
    ],
    actions: [{ id: 'cancel', label: 'Cancel', style: 'default', command: `cancel ${job.id}` }],
  };
}
