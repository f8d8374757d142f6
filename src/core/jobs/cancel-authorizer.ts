/**
 * Who may stop someone else's job: every permission that job needed to start, the one its args give
 * (`scale:web`) and those only the config names (`scale:web:prod` for the environment it used, a
 * playbook's catalog permission, a pipeline's own). `cancel 42` is then no way round what the job
 * itself checked, whatever the command.
 */
import type { AnyArgValues } from '../args/schema.js';
import type { CancelAuthorizer } from '../builtin-ports.js';
import type { Command } from '../command.js';
import { DeniedError, explainDenial, isOpsbotError } from '../errors.js';
import type { AccessPolicy } from '../policy/policy.js';
import type { Ports } from '../ports.js';
import type { CommandRegistry } from '../registry.js';
import type { JobRecord } from '../store.js';

export function createCancelAuthorizer(registry: CommandRegistry, policy: AccessPolicy, ports: () => Ports): CancelAuthorizer {
  return async (job, by, conversation) => {
    // A job of a command no longer registered: jobs:cancel alone, as before the command went.
    const command = registry.find(job.command);
    if (command === null) return;
    const args = job.args as AnyArgValues;
    const needed = [command.permission(args), ...(await extraPermissionsOf(job, command, ports()))];
    for (const permission of needed) {
      explainDenial(() => policy.authorize(by, conversation, 'cancel', permission), permission, `Job #${job.id} is ${job.principal.name}'s: stopping it also needs \`${permission}\`, which it needed to start, and none of your roles grants it.`);
    }
  };
}

/** Deny by default: what the job needed cannot be worked out here (its config entry is gone), so nobody else may stop it. */
async function extraPermissionsOf(job: JobRecord, command: Command, ports: Ports): Promise<readonly string[]> {
  try {
    return await command.extraPermissions(job.args as AnyArgValues, ports);
  } catch (error: unknown) {
    if (!isOpsbotError(error)) throw error;
    throw new DeniedError(`Job #${job.id} is ${job.principal.name}'s, and what it needed to start cannot be worked out from this opsbot's config (${error.message}); only they can stop it.`, command.permission(job.args as AnyArgValues), { cause: error });
  }
}
