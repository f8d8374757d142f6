/** Implementations of the ports the built-in commands use, over the store, the runner and the registry. */
import type { Clock } from './clock.js';
import type { Command } from './command.js';
import { principalKey, type Conversation, type Principal } from './identity.js';
import type { AuditPort, HelpPort, JobsPort, LocksPort } from './ports.js';
import type { CommandRegistry } from './registry.js';
import type { JobRunner } from './jobs/runner.js';
import { FINAL_JOB_STATES, type JobRecord, type NewAuditEntry, type Store } from './store.js';
import { usageLine } from './args/usage.js';

function auditEntry(clock: Clock, event: NewAuditEntry['event'], by: Principal, conversation: Conversation, command: string, args: Record<string, unknown>, jobId: number | null): NewAuditEntry {
  return { at: clock.now(), event, principal: by, conversation, command, args, permission: null, jobId, outcome: null, detail: null, refs: {} };
}

/**
 * May `by` stop someone else's job? Throws DeniedError when not. `jobs:cancel` lets people stop their
 * own jobs; stopping another person's also takes the permission that job needed, so that the on-call
 * role cannot halt a production deploy it could never have started.
 */
export type CancelAuthorizer = (job: JobRecord, by: Principal, conversation: Conversation) => Promise<void>;

export function createJobsPort(store: Store, runner: JobRunner, clock: Clock, authorizeCancel: CancelAuthorizer): JobsPort {
  return {
    list: (query) => store.jobs.list(query),
    get: (id) => store.jobs.get(id),
    async cancel(id, by, conversation) {
      const job = await store.jobs.get(id);
      if (job === null) return 'not_found';
      if (FINAL_JOB_STATES.includes(job.state)) return 'already_finished';
      if (principalKey(job.principal) !== principalKey(by)) await authorizeCancel(job, by, conversation);
      await store.audit.append(auditEntry(clock, 'cancel_requested', by, conversation, 'cancel', { id }, id));
      if (runner.cancelLocal(id, by)) return 'cancelling';
      await store.jobs.requestCancel(id);
      return 'cancelling';
    },
  };
}

export function createLocksPort(store: Store, clock: Clock): LocksPort {
  return {
    list: () => store.locks.list(clock.now()),
    get: (target) => store.locks.get(target, clock.now()),
    freeze: (target, by, conversation, reason) =>
      store.locks.freeze(
        { key: target, holder: by, reason, acquiredAt: clock.now(), expiresAt: null },
        { ...auditEntry(clock, 'lock', by, conversation, 'lock', { target, reason }, null), detail: reason },
      ),
    release: (target, by, conversation) => store.locks.release(target, auditEntry(clock, 'unlock', by, conversation, 'unlock', { target }, null)),
  };
}

export function createAuditPort(store: Store): AuditPort {
  return { recent: (limit, filter) => store.audit.recent(limit, filter) };
}

export function createHelpPort(registry: CommandRegistry): HelpPort {
  return {
    commands: () => registry.all(),
    find: (name) => registry.find(name),
    usage: (command: Command) => usageLine(command),
  };
}
