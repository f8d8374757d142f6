import {
  cancelPipeline,
  defineCommand,
  parseRunTarget,
  pipelineExtraPermissions,
  pipelineLockKey,
  pipelineStatus,
  retryByJobRefusal,
  retryPipeline,
  runPipeline,
  usageLine,
  UsageError,
  type CommandContext,
  type Message,
} from '#core';

/** A pipeline name (run) or a job number / `<pipeline>#<run>` (status, cancel, retry). */
const TARGET = /^(?:[a-z][a-z0-9_-]{0,62}|#?[1-9]\d{0,14}|[a-z][a-z0-9_-]{0,62}#(?:queue-)?[1-9]\d{0,14})$/;
/** Branch and tag names; the pipeline's own refPattern from the config is checked as well. */
const REF = /^(?!.*\.\.)(?!.*\/\/)[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$/;

/** The pipeline a target names, if it names one (a bare job number does not, until it is looked up). */
function pipelineOf(target: string): string | null {
  const parsed = parseRunTarget(target);
  if (parsed === null) return target.includes('#') ? null : target;
  return parsed.kind === 'run' ? parsed.pipeline : null;
}

export const pipeline = defineCommand({
  name: 'pipeline',
  summary: 'Run a configured Jenkins or GitLab pipeline and follow it; show, cancel or retry a run.',
  description:
    'run <name> starts a pipeline named in the config with typed variables (key=value) and follows it to the end: console log in the job output, stage in the progress, build number and link in the job. ' +
    'status and cancel take the job number of a run (42) or the run itself (build#57); retry takes the run. Needs pipeline:<action>:<name> (by job number: pipeline:<action>, and pipeline:<action>:<name> once the job shows the pipeline), plus, to run, cancel or retry, any extra permission the pipeline names in the config.',
  examples: ['pipeline run build VERSION=1.4.2', 'pipeline run app --ref release/2.1 DEPLOY_ENV=staging', 'pipeline run build --dry-run', 'pipeline status 42', 'pipeline status build#57', 'pipeline cancel 42', 'pipeline retry app#61'],
  args: {
    action: { type: 'string', positional: 0, required: true, enum: ['run', 'status', 'cancel', 'retry'], description: 'What to do.' },
    target: {
      type: 'string',
      positional: 1,
      required: true,
      pattern: TARGET,
      patternHint: 'a pipeline name, a job number or a run such as build#57',
      placeholder: 'pipeline|job|run',
      description: 'The pipeline (run), the job number or <pipeline>#<run> (status, cancel), or <pipeline>#<run> (retry).',
    },
    ref: { type: 'string', pattern: REF, patternHint: 'a branch or tag name', maxLength: 200, description: 'The branch or tag to build (GitLab; Jenkins jobs with a ref parameter).' },
    variables: { type: 'pairs', description: 'Variables the pipeline declares in the config, typed there.' },
  },
  permission: ({ action, target }) => {
    const name = pipelineOf(target);
    return name === null ? `pipeline:${action}` : `pipeline:${action}:${name}`;
  },
  extraPermissions: (args, ports) => pipelineExtraPermissions(args, ports),
  sideEffect: ({ action }) => (action === 'status' ? 'none' : 'mutates'),
  // Builds outlast the default 30 min; a run that outlives this is left running on the server.
  timeout: 3 * 60 * 60_000,
  // One run per pipeline at a time (retry starts one too); a cancel never waits behind the run it stops.
  lock: ({ action, target }) => (action === 'cancel' ? `pipeline-cancel.${target.replace('#', '.')}` : pipelineLockKey(pipelineOf(target) ?? target.replace('#', ''))),
  // Unknown pipelines, variables of the wrong name or type, and a bad ref are refused before a job
  // exists, with the usage; nothing is contacted. So is a retry by job number, whose lock and
  // permission could not name the pipeline (a freeze of it, or a grant for one pipeline only).
  check: async ({ action, target, ref, variables }, ports) => {
    if (action === 'run' && !target.includes('#') && !/^\d/.test(target)) ports.pipelines.prepare(target, ref, variables);
    const byJob = action === 'retry' ? await retryByJobRefusal(target, ports.jobs) : null;
    if (byJob !== null) throw new UsageError(byJob);
  },
  async run({ action, target, ref, variables }, ctx): Promise<Message> {
    const usage = (): string => usageLine(pipeline);
    switch (action) {
      case 'run':
        if (target.includes('#') || /^\d/.test(target)) return refuse(`\`pipeline run\` takes a pipeline name, not \`${target}\`.`, usage, ctx);
        return runPipeline({ name: target, ref, variables }, ctx, usage);
      case 'status':
        if (ref !== undefined || Object.keys(variables).length > 0) return refuse('`pipeline status` takes no --ref or variables.', usage, ctx);
        return pipelineStatus(target, ctx, usage);
      case 'cancel':
        if (ref !== undefined || Object.keys(variables).length > 0) return refuse('`pipeline cancel` takes no --ref or variables.', usage, ctx);
        return cancelPipeline(target, ctx, usage);
      case 'retry':
        if (ref !== undefined || Object.keys(variables).length > 0) return refuse('`pipeline retry` reuses the run\'s own ref and variables.', usage, ctx);
        return retryPipeline(target, ctx, usage);
    }
  },
});

/** In a job only the message reaches chat, so the usage goes into it; inline the hint shows it. */
function refuse(sentence: string, usage: () => string, ctx: CommandContext): never {
  const hint = `Usage: ${usage()}`;
  throw new UsageError(ctx.jobId === null ? sentence : `${sentence}\n${hint}`, { hint });
}
