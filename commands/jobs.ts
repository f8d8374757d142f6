import { defineCommand, formatTime, JOB_STATES, type JobState, type Message } from '#core';

export const jobs = defineCommand({
  name: 'jobs',
  summary: 'List recent jobs, newest first.',
  examples: ['jobs', 'jobs --state running', 'jobs --limit 50'],
  args: {
    state: { type: 'string', enum: JOB_STATES, description: 'Only jobs in this state.' },
    limit: { type: 'integer', min: 1, max: 200, default: 20, description: 'How many to show.' },
  },
  permission: () => 'jobs:list',
  sideEffect: 'none',
  async run({ state, limit }, ctx): Promise<Message> {
    const states: JobState[] | undefined = state === undefined ? undefined : [state];
    const found = await ctx.ports.jobs.list(states === undefined ? { limit } : { limit, states });
    if (found.length === 0) return { tone: 'neutral', blocks: [{ kind: 'text', text: state === undefined ? 'No jobs yet.' : `No ${state} jobs.` }] };
    return {
      title: 'Jobs',
      tone: 'neutral',
      blocks: [
        {
          kind: 'table',
          columns: ['#', 'state', 'command', 'by', 'started', 'step'],
          rows: found.map((j) => [String(j.id), j.state, j.text, j.principal.name, formatTime(j.startedAt ?? j.createdAt), j.step ?? '']),
        },
      ],
    };
  },
});
