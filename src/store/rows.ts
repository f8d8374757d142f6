/** Table rows ⇄ the port's records. Pure functions; no queries here. */
import type { Insertable, Selectable } from 'kysely';
import type { Conversation, Principal } from '../core/identity.js';
import type { AuditEntry, JobRecord, JobState, LockRecord, NewAuditEntry, NewJob, PendingConfirmation } from '../core/store.js';
import {
  decodeAuditEvent,
  decodeConversation,
  decodeJobState,
  decodeObject,
  decodePrincipal,
  decodeRefs,
  encodeGroups,
  encodeJson,
  fromMs,
  fromMsOrNull,
  toMs,
} from './codec.js';
import type { AuditTable, ConfirmationsTable, JobsTable, LocksTable } from './schema.js';

/**
 * The columns an insert writes, in one fixed order: prepared inserts (prepared.ts) are compiled
 * once from these lists, so a row function must fill every column listed and nothing else.
 */
export const JOB_INSERT_COLUMNS = [
  'command',
  'text',
  'args',
  'state',
  'principal_platform',
  'principal_id',
  'principal_name',
  'principal_groups',
  'conversation_platform',
  'conversation_id',
  'conversation_thread_id',
  'conversation_name',
  'lock_key',
  'dry_run',
  'owner',
  'timeout_ms',
  'created_at',
  'started_at',
  'finished_at',
  'heartbeat_at',
  'step',
  'progress_done',
  'progress_total',
  'summary',
  'error',
  'output',
  'refs',
] as const satisfies readonly (keyof JobsTable)[];

export const AUDIT_INSERT_COLUMNS = [
  'at',
  'event',
  'principal_platform',
  'principal_id',
  'principal_name',
  'principal_groups',
  'conversation_platform',
  'conversation_id',
  'conversation_thread_id',
  'conversation_name',
  'command',
  'args',
  'permission',
  'job_id',
  'outcome',
  'detail',
  'refs',
  'dry_run',
] as const satisfies readonly (keyof AuditTable)[];

export const LOCK_COLUMNS = [
  'key',
  'job_id',
  'holder_platform',
  'holder_id',
  'holder_name',
  'holder_groups',
  'reason',
  'acquired_at',
  'expires_at',
] as const satisfies readonly (keyof LocksTable)[];

/** Exactly the listed columns, each with a value (no `undefined`), as an insert binds them. */
type InsertRow<T, C extends keyof T> = { readonly [K in C]-?: Exclude<Insertable<T>[K & keyof Insertable<T>], undefined> };

export type NewJobRow = InsertRow<JobsTable, (typeof JOB_INSERT_COLUMNS)[number]>;
export type NewAuditRow = InsertRow<AuditTable, (typeof AUDIT_INSERT_COLUMNS)[number]>;
export type LockRow = InsertRow<LocksTable, (typeof LOCK_COLUMNS)[number]>;

function principalColumns(p: Principal) {
  return {
    principal_platform: p.platform,
    principal_id: p.id,
    principal_name: p.name,
    principal_groups: encodeGroups(p.groups),
  };
}

function conversationColumns(c: Conversation) {
  return {
    conversation_platform: c.platform,
    conversation_id: c.id,
    conversation_thread_id: c.threadId ?? null,
    conversation_name: c.name ?? null,
  };
}

export function newJobRow(job: NewJob, state: Extract<JobState, 'queued' | 'running'>, lockKey: string | null): NewJobRow {
  const now = toMs(job.now);
  const started = state === 'running' ? now : null;
  return {
    command: job.command,
    text: job.text,
    args: encodeJson(job.args),
    state,
    ...principalColumns(job.principal),
    ...conversationColumns(job.conversation),
    lock_key: lockKey,
    dry_run: job.dryRun ? 1 : 0,
    owner: job.owner,
    timeout_ms: job.timeoutMs,
    created_at: now,
    started_at: started,
    finished_at: null,
    heartbeat_at: started,
    step: null,
    progress_done: null,
    progress_total: null,
    summary: null,
    error: null,
    output: '',
    refs: '{}',
  };
}

export function jobFromRow(row: Selectable<JobsTable>): JobRecord {
  return {
    id: row.id,
    command: row.command,
    text: row.text,
    args: decodeObject(row.args, 'job args'),
    state: decodeJobState(row.state),
    principal: decodePrincipal(row.principal_platform, row.principal_id, row.principal_name, row.principal_groups),
    conversation: decodeConversation(row.conversation_platform, row.conversation_id, row.conversation_thread_id, row.conversation_name),
    lockKey: row.lock_key,
    dryRun: row.dry_run !== 0,
    owner: row.owner,
    timeoutMs: row.timeout_ms,
    createdAt: fromMs(row.created_at),
    startedAt: fromMsOrNull(row.started_at),
    finishedAt: fromMsOrNull(row.finished_at),
    heartbeatAt: fromMsOrNull(row.heartbeat_at),
    step: row.step,
    progressDone: row.progress_done,
    progressTotal: row.progress_total,
    summary: row.summary,
    error: row.error,
    output: row.output,
    refs: decodeRefs(row.refs),
  };
}

export function auditRow(entry: NewAuditEntry): NewAuditRow {
  return {
    at: toMs(entry.at),
    event: entry.event,
    ...principalColumns(entry.principal),
    ...conversationColumns(entry.conversation),
    command: entry.command,
    args: entry.args === null ? null : encodeJson(entry.args),
    permission: entry.permission,
    job_id: entry.jobId,
    outcome: entry.outcome,
    detail: entry.detail,
    refs: encodeJson(entry.refs),
    dry_run: entry.dryRun === true ? 1 : 0,
  };
}

export function auditFromRow(row: Selectable<AuditTable>): AuditEntry {
  return {
    id: row.id,
    at: fromMs(row.at),
    event: decodeAuditEvent(row.event),
    principal: decodePrincipal(row.principal_platform, row.principal_id, row.principal_name, row.principal_groups),
    conversation: decodeConversation(row.conversation_platform, row.conversation_id, row.conversation_thread_id, row.conversation_name),
    command: row.command,
    args: row.args === null ? null : decodeObject(row.args, 'audit args'),
    permission: row.permission,
    jobId: row.job_id,
    outcome: row.outcome,
    detail: row.detail,
    refs: decodeRefs(row.refs),
    dryRun: Number(row.dry_run) === 1,
  };
}

export function lockRow(lock: LockRecord): LockRow {
  return {
    key: lock.key,
    job_id: lock.jobId,
    holder_platform: lock.holder.platform,
    holder_id: lock.holder.id,
    holder_name: lock.holder.name,
    holder_groups: encodeGroups(lock.holder.groups),
    reason: lock.reason,
    acquired_at: toMs(lock.acquiredAt),
    expires_at: lock.expiresAt === null ? null : toMs(lock.expiresAt),
  };
}

export function lockFromRow(row: Selectable<LocksTable>): LockRecord {
  return {
    key: row.key,
    jobId: row.job_id,
    holder: decodePrincipal(row.holder_platform, row.holder_id, row.holder_name, row.holder_groups),
    reason: row.reason,
    acquiredAt: fromMs(row.acquired_at),
    expiresAt: fromMsOrNull(row.expires_at),
  };
}

export function confirmationRow(pending: PendingConfirmation): Insertable<ConfirmationsTable> {
  return {
    code: pending.code,
    principal_key: pending.principalKey,
    conversation_key: pending.conversationKey,
    text: pending.text,
    expires_at: toMs(pending.expiresAt),
  };
}

export function confirmationFromRow(row: Selectable<ConfirmationsTable>): PendingConfirmation {
  return {
    code: row.code,
    principalKey: row.principal_key,
    conversationKey: row.conversation_key,
    text: row.text,
    expiresAt: fromMs(row.expires_at),
  };
}
