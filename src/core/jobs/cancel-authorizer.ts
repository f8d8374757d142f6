/**
 * Who may stop someone else's job: the permission that job needed to start, and, for a pipeline run,
 * the pipeline's extra permission too. `cancel 42` is then no way round what `pipeline cancel 42` checks.
 */
import type { AnyArgValues } from '../args/schema.js';
import type { CancelAuthorizer } from '../builtin-ports.js';
import { DeniedError } from '../errors.js';
import { pipelineOfJob } from '../pipelines/pipeline-flow.js';
import type { AccessPolicy } from '../policy/policy.js';
import type { Ports } from '../ports.js';
import type { CommandRegistry } from '../registry.js';

export function createCancelAuthorizer(registry: CommandRegistry, policy: AccessPolicy, ports: () => Pick<Ports, 'jobs' | 'pipelines'>): CancelAuthorizer {
  return async (job, by, conversation) => {
    // A job of a command no longer registered: jobs:cancel alone, as before the command went.
    const command = registry.find(job.command);
    if (command === null) return;
    const needed = command.permission(job.args as AnyArgValues);
    try {
      policy.authorize(by, conversation, 'cancel', needed);
    } catch (error: unknown) {
      if (error instanceof DeniedError) throw new DeniedError(`Job #${job.id} is ${job.principal.name}'s: stopping it also needs \`${needed}\`, which it needed to start, and none of your roles grants it.`, needed);
      throw error;
    }
    if (job.command !== 'pipeline') return;
    const pipeline = await pipelineOfJob(job, ports());
    if (pipeline !== null) ports().pipelines.authorize(pipeline, by, conversation, 'cancel');
  };
}
