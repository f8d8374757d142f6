import { defineCommand, formatElapsed, formatTime, NotFoundError, stateWords, tail, type Block, type Message } from '#core';

const TONES = { succeeded: 'success', failed: 'danger', timed_out: 'danger', interrupted: 'danger', cancelled: 'warning', running: 'info', queued: 'info' } as const;

export const job = defineCommand({
  name: 'job',
  summary: "Show one job: its state, progress, references and the tail of its log.",
  examples: ['job 42', 'job 42 --lines 200'],
  args: {
    id: { type: 'integer', positional: 0, required: true, min: 1, description: 'The job number.' },
    lines: { type: 'integer', min: 1, max: 500, default: 20, description: 'How many log lines to show.' },
  },
  permission: () => 'jobs:read',
  sideEffect: 'none',
  async run({ id, lines }, ctx): Promise<Message> {
    const found = await ctx.ports.jobs.get(id);
    if (found === null) throw new NotFoundError(`There is no job #${id}.`);
    const end = found.finishedAt ?? ctx.clock.now();
    const elapsed = found.startedAt === null ? null : end.getTime() - found.startedAt.getTime();
    const blocks: Block[] = [
      { kind: 'text', text: `\`${found.text}\`${found.dryRun ? ' (dry run)' : ''}` },
      {
        kind: 'fields',
        fields: [
          { label: 'State', value: found.state, short: true },
          { label: 'By', value: found.principal.name, short: true },
          { label: 'Started', value: formatTime(found.startedAt), short: true },
          { label: 'Took', value: elapsed === null ? '—' : formatElapsed(elapsed), short: true },
          ...(found.lockKey === null ? [] : [{ label: 'Target', value: found.lockKey, short: true }]),
          ...Object.entries(found.refs).map(([label, value]) => ({ label, value, short: true })),
        ],
      },
    ];
    if (found.step !== null) {
      blocks.push({ kind: 'progress', step: found.step, done: found.progressDone ?? 0, total: found.progressTotal });
    }
    if (found.summary !== null) blocks.push({ kind: 'text', text: found.summary });
    if (found.error !== null) blocks.push({ kind: 'text', text: found.error });
    if (found.output !== '') blocks.push({ kind: 'code', text: tail(found.output, lines, 12_000) });
    return { title: `Job #${found.id} ${stateWords(found.state)}`, tone: TONES[found.state], blocks };
  },
});
