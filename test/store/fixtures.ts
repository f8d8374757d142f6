/** Builders for store tests: fixed people, places and times so assertions can be exact. */
import type { Conversation, Principal } from '../../src/core/identity.js';
import type { JobRecord, LockRecord, NewAuditEntry, NewJob, PromoteResult } from '../../src/core/store.js';

export const alice: Principal = { platform: 'mattermost', id: 'u8k3alice', name: 'Alice', groups: ['oncall', 'deployers'] };
/** No groups: checks that an absent optional field stays absent after a round trip. */
export const bob: Principal = { platform: 'teams', id: 'aad-0b0b', name: 'Bob' };
export const opsChannel: Conversation = { platform: 'mattermost', id: 'ch-ops', threadId: 'post-17', name: 'ops' };
export const teamsChat: Conversation = { platform: 'teams', id: '19:abc@thread.v2' };

const T0 = Date.UTC(2025, 0, 15, 10, 0, 0);
/** A time `seconds` after the tests' epoch. */
export function t(seconds: number): Date {
  return new Date(T0 + seconds * 1000);
}

export function newJob(overrides: Partial<NewJob> = {}): NewJob {
  return {
    command: 'deploy',
    text: 'deploy store-pl 1.4.2 --token ***',
    args: { store: 'store-pl', version: '1.4.2', token: '***' },
    principal: alice,
    conversation: opsChannel,
    lockKey: null,
    dryRun: false,
    owner: 'host-a/4242/r4nd',
    timeoutMs: 900_000,
    now: t(0),
    ...overrides,
  };
}

export function auditEntry(overrides: Partial<NewAuditEntry> = {}): NewAuditEntry {
  return {
    at: t(0),
    event: 'job_started',
    principal: alice,
    conversation: opsChannel,
    command: 'deploy',
    args: { store: 'store-pl', version: '1.4.2', token: '***' },
    permission: 'deploy:store-pl',
    jobId: null,
    outcome: null,
    detail: null,
    refs: {},
    ...overrides,
  };
}

/** A begin's or a promote's result (a begin's is a promote's without `behind`). */
export function started(result: PromoteResult): JobRecord {
  if (!result.ok) throw new Error(`expected the job to start, but ${result.holder === null ? `it waits behind job ${result.behind}` : `${result.holder.key} is held by job ${String(result.holder.jobId)}`}`);
  return result.job;
}

export function refused(result: PromoteResult): LockRecord {
  if (result.ok) throw new Error(`expected a lock conflict, but job ${result.job.id} was created as ${result.job.state}`);
  if (result.holder === null) throw new Error(`expected a lock conflict, but the job waits behind job ${result.behind}`);
  return result.holder;
}
