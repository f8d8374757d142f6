/**
 * The persistence port. Two engines implement it (src/store: SQLite and PostgreSQL) over shared
 * migrations. Every operation that changes a job's state writes its audit entry in the same
 * transaction, so the audit can never miss a transition.
 */
import type { Conversation, Platform, Principal } from './identity.js';
import type { DeployStateStore } from './deploy/ports.js';
import type { MessageRefStore, NewOutboxEntry, NonceStore, OutboxStore } from './outbox/ports.js';
import type { RateBudgetStore } from './outbox/shared-rate-limit.js';
import type { MaintenanceStore } from './maintenance/store-port.js';
import type { ScheduleStore } from './scheduler/store-port.js';
import type { ScalingStore } from './scaling/ports.js';
import type { AlertStore } from './alerts/store.js';
import type { AlertThreadStore } from './alerts/thread.js';
import type { AlertTicketStore } from './alerts/tickets.js';
import type { RetentionStore } from './retention/ports.js';

export const JOB_STATES = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'timed_out', 'interrupted'] as const;
export type JobState = (typeof JOB_STATES)[number];
export const FINAL_JOB_STATES: readonly JobState[] = ['succeeded', 'failed', 'cancelled', 'timed_out', 'interrupted'];

/** Backend run ids, commit shas, build numbers, links: small string facts worth keeping with a job. */
export type Refs = Readonly<Record<string, string>>;

export interface JobRecord {
  readonly id: number;
  readonly command: string;
  /** The command text with secret values replaced by `***`. */
  readonly text: string;
  /** Parsed arguments, secrets redacted. */
  readonly args: Readonly<Record<string, unknown>>;
  readonly state: JobState;
  readonly principal: Principal;
  readonly conversation: Conversation;
  readonly lockKey: string | null;
  readonly dryRun: boolean;
  /** The process instance that runs it (`host/pid/random`); used to tell a dead owner from a live one. */
  readonly owner: string;
  readonly timeoutMs: number;
  readonly createdAt: Date;
  readonly startedAt: Date | null;
  readonly finishedAt: Date | null;
  readonly heartbeatAt: Date | null;
  readonly step: string | null;
  readonly progressDone: number | null;
  readonly progressTotal: number | null;
  /** One-line outcome, shown in lists. */
  readonly summary: string | null;
  readonly error: string | null;
  /** The tail of the job's log, secrets redacted. */
  readonly output: string;
  readonly refs: Refs;
}

export interface NewJob {
  readonly command: string;
  readonly text: string;
  readonly args: Readonly<Record<string, unknown>>;
  readonly principal: Principal;
  readonly conversation: Conversation;
  readonly lockKey: string | null;
  readonly dryRun: boolean;
  readonly owner: string;
  readonly timeoutMs: number;
  readonly now: Date;
}

export const AUDIT_EVENTS = [
  'denied', // permission or channel binding refused it
  'rejected', // invalid input, refused before anything ran
  'conflict', // target locked by someone else
  'confirm_requested',
  'confirmed',
  'job_queued',
  'job_started',
  'job_finished',
  'cancel_requested',
  'lock',
  'unlock',
  'schedule_fired', // a scheduled announcement was posted (commands are audited as their own jobs)
  'schedule_missed', // ticks passed while no replica ran; reported once per stretch
  'maintenance_started',
  'maintenance_ended',
  'ticket_opened', // the alert pipeline opened an issue for a long-firing alert (by rule, not by a person)
  'ticket_refired', // ... commented on (and maybe reopened) its issue because the alert fired again
  'ticket_resolved', // ... commented on (and maybe closed) its issue because the alert resolved
] as const;
export type AuditEvent = (typeof AUDIT_EVENTS)[number];

export interface NewAuditEntry {
  readonly at: Date;
  readonly event: AuditEvent;
  readonly principal: Principal;
  readonly conversation: Conversation;
  readonly command: string | null;
  /** Redacted arguments. */
  readonly args: Readonly<Record<string, unknown>> | null;
  readonly permission: string | null;
  readonly jobId: number | null;
  /** For job_finished: the final state; for denials: 'denied'; otherwise null. */
  readonly outcome: string | null;
  readonly detail: string | null;
  readonly refs: Refs;
  /** A dry run's entries say so; absent means a real invocation. */
  readonly dryRun?: boolean;
}

export interface AuditEntry extends NewAuditEntry {
  readonly id: number;
  readonly dryRun: boolean;
}

export interface LockRecord {
  readonly key: string;
  /** Null for a manual freeze (`lock <target>`). */
  readonly jobId: number | null;
  readonly holder: Principal;
  readonly reason: string | null;
  readonly acquiredAt: Date;
  /** Lease expiry; null for a freeze that lasts until `unlock`. */
  readonly expiresAt: Date | null;
}

export interface LockRequest {
  readonly key: string;
  readonly ttlMs: number;
}

export type BeginResult =
  | { readonly ok: true; readonly job: JobRecord }
  | { readonly ok: false; readonly holder: LockRecord };

/**
 * A queued job's try for its lock: refused while the lock is held (its holder), or while an older
 * queued job still waits for the same lock (`behind`: first come, first served).
 */
export type PromoteResult = BeginResult | { readonly ok: false; readonly holder: null; readonly behind: number };

export interface JobFinal {
  readonly state: Exclude<JobState, 'queued' | 'running'>;
  readonly summary: string | null;
  readonly error: string | null;
  readonly output: string;
  readonly refs: Refs;
  readonly now: Date;
}

export interface JobProgress {
  readonly step: string | null;
  readonly done: number | null;
  readonly total: number | null;
  readonly output: string;
  readonly refs: Refs;
}

export interface JobQuery {
  readonly states?: readonly JobState[];
  readonly limit: number;
}

/**
 * A job its process can no longer run as its own:
 * - `lease`: it is running, but its lock is no longer its lease (the lease expired, maybe taken by
 *   another job since), so nothing keeps another process off its target any more;
 * - `ended`: its record is final already (recovery in another process marked it `interrupted`, or it
 *   was ended some other way); `state` is null when the record is gone altogether.
 */
export type LostJob =
  | { readonly jobId: number; readonly why: 'lease'; readonly lockKey: string }
  | { readonly jobId: number; readonly why: 'ended'; readonly state: JobState | null };

export interface HeartbeatResult {
  /** Ids whose cancellation was requested, among the jobs still held. */
  readonly cancelRequested: readonly number[];
  readonly lost: readonly LostJob[];
}

/** Builds the chat post of a job's end from its finished record (see JobStore.finishWithPost). */
export type FinalPost = (finished: JobRecord) => NewOutboxEntry;

export interface JobStore {
  /**
   * Creates the job and, when `lock` is given, takes the lease in the same transaction.
   * If the lock is held (and not expired) by someone else: with `queueIfLocked` the job is created
   * as `queued` (audit `job_queued`); otherwise nothing is created and the holder is returned.
   * With `queueIfLocked` a free lock that queued jobs still wait for (see promote) queues it behind them.
   * A created running job gets its `job_started` audit entry in the same transaction.
   */
  begin(job: NewJob, audit: NewAuditEntry, options: { lock: LockRequest | null; queueIfLocked: boolean }): Promise<BeginResult>;
  /**
   * Tries to move a queued job to running by taking its lock; audit `job_started` on success. Queued
   * jobs get the lock in the order they were queued: an older one still waiting goes first, unless
   * its process stopped heartbeating it for `lock.ttlMs` or its cancel was asked for.
   */
  promote(jobId: number, lock: LockRequest, audit: NewAuditEntry): Promise<PromoteResult>;
  /** Final state + audit `job_finished` + lock release, in one transaction. No-op if already final. */
  finish(jobId: number, final: JobFinal, audit: NewAuditEntry): Promise<JobRecord>;
  /**
   * `finish`, and when this call is the one that ends the job, the outbox entry `post` builds from
   * the finished record, in the same transaction: a job's end and its final chat post are written
   * together or not at all. `posted` is false when the job had already ended (nothing was queued).
   */
  finishWithPost(jobId: number, final: JobFinal, audit: NewAuditEntry, post: FinalPost): Promise<{ job: JobRecord; posted: boolean }>;
  /** Persists progress (step, counters, output tail, refs) of a running job. */
  progress(jobId: number, progress: JobProgress): Promise<void>;
  /**
   * Renews these jobs (this process's own): their heartbeat, and the lease of each one that still
   * holds its lock at `now`. Says which of them were asked to stop (`requestCancel`, possibly on
   * another replica) and which this process no longer holds (see LostJob): those must stop at once.
   */
  heartbeat(jobIds: readonly number[], now: Date, ttlMs: number): Promise<HeartbeatResult>;
  /** Flags a queued or running job for cancellation; its owner sees the flag on its next heartbeat. */
  requestCancel(jobId: number): Promise<void>;
  get(id: number): Promise<JobRecord | null>;
  list(query: JobQuery): Promise<JobRecord[]>;
  /** Jobs in `queued` or `running`, for recovery. */
  unfinished(): Promise<JobRecord[]>;
  /** Counts by state, for /metrics. */
  countByState(): Promise<Record<JobState, number>>;
}

/** Which audit entries `audit` shows; every given field must match. */
export interface AuditFilter {
  /** The command's registered name (never an alias: entries record the name). */
  readonly command?: string;
  /** Who did it, by stable id. */
  readonly principal?: { readonly platform: string; readonly id: string };
  readonly jobId?: number;
}

export interface AuditStore {
  append(entry: NewAuditEntry): Promise<AuditEntry>;
  /** Newest first. */
  recent(limit: number, filter?: AuditFilter): Promise<AuditEntry[]>;
  /** Oldest first, streamed in pages, for the JSONL export. */
  since(from: Date | null): AsyncIterable<AuditEntry>;
}

export interface LockStore {
  get(key: string, now: Date): Promise<LockRecord | null>;
  list(now: Date): Promise<LockRecord[]>;
  /** A manual freeze; fails (returns the holder) if the key is held. Audited in the same transaction. */
  freeze(lock: Omit<LockRecord, 'jobId'>, audit: NewAuditEntry): Promise<{ ok: true } | { ok: false; holder: LockRecord }>;
  /** Removes a freeze (never a running job's lease). Audited in the same transaction. */
  release(key: string, audit: NewAuditEntry): Promise<LockRecord | null>;
}

export interface PendingConfirmation {
  readonly code: string;
  readonly principalKey: string;
  readonly conversationKey: string;
  /** The original command text, dispatched again once confirmed. */
  readonly text: string;
  readonly expiresAt: Date;
}

export interface ConfirmationStore {
  create(pending: PendingConfirmation): Promise<void>;
  /**
   * Removes and returns the confirmation if it exists, belongs to this principal and conversation and
   * has not expired. One-time: a second call returns null.
   */
  consume(code: string, principalKey: string, conversationKey: string, now: Date): Promise<PendingConfirmation | null>;
}

/**
 * Where a conversation can be reached later without anyone speaking first (a proactive post): kept
 * when a chat platform tells opsbot it was added to, or spoken to in, a conversation. Teams needs
 * this (service URL, tenant, bot id); platforms that post by channel id alone keep none.
 */
export interface ConversationRef {
  readonly platform: Platform;
  /** The neutral conversation id, as in Conversation.id. */
  readonly conversationId: string;
  /** The platform's addressing data (e.g. Teams' serviceUrl, tenantId, botId); never secrets. */
  readonly address: Readonly<Record<string, string>>;
  /** A group the conversation belongs to (a Teams team), so removal from it forgets all of them. */
  readonly groupId: string | null;
  /** Display only. */
  readonly name: string | null;
  readonly updatedAt: Date;
}

export interface ConversationRefStore {
  /** Creates or replaces the reference of (platform, conversationId). */
  save(ref: ConversationRef): Promise<void>;
  get(platform: Platform, conversationId: string): Promise<ConversationRef | null>;
  /** True when there was one. */
  remove(platform: Platform, conversationId: string): Promise<boolean>;
  /** Forgets every conversation of a group; returns how many. */
  removeGroup(platform: Platform, groupId: string): Promise<number>;
  list(platform: Platform): Promise<ConversationRef[]>;
}

/** See Store.cancelWakeups. */
export interface CancelWakeups {
  /**
   * Calls `wake` whenever some process asked for a job to be cancelled (which job is read from the
   * store, as the heartbeat does: a wake-up carries no authority), and once after each (re)connection,
   * for what was asked while nobody listened. `onError` hears connection failures; it keeps trying.
   * Returns the unsubscribe; the last one closes the connection.
   */
  subscribe(wake: () => void, onError: (error: Error) => void): () => Promise<void>;
}

export interface Store {
  readonly engine: 'sqlite' | 'postgres';
  readonly jobs: JobStore;
  readonly audit: AuditStore;
  readonly locks: LockStore;
  readonly confirmations: ConfirmationStore;
  /** Live colour and versions per store, and deploy approvals (src/core/deploy/ports.ts). */
  readonly deployState: DeployStateStore;
  /** Outgoing chat posts and edits, delivered with retries (src/core/outbox/ports.ts). */
  readonly outbox: OutboxStore;
  /** Key (`job:42`, an alert group) -> the chat message that shows it, so any replica can edit it. */
  readonly messageRefs: MessageRefStore;
  /**
   * Per-conversation rate budgets shared by every replica on the database (PostgreSQL); null where
   * one process owns the database (SQLite) and the outbox's in-memory limiter is exact.
   */
  readonly rateBudgets: RateBudgetStore | null;
  /**
   * Wakes a process when another asks one of its jobs to stop (PostgreSQL LISTEN/NOTIFY), so a cancel
   * from another replica takes effect at once instead of at the next heartbeat; null where one process
   * owns the database (SQLite). The heartbeat stays the fallback: a lost wake-up only delays the stop.
   */
  readonly cancelWakeups: CancelWakeups | null;
  /** One-time tokens (signed chat buttons): a second use is refused. */
  readonly nonces: NonceStore;
  /** Schedules and the tick claims that make each tick fire once (src/core/scheduler/store-port.ts). */
  readonly schedules: ScheduleStore;
  /** Maintenance windows (src/core/maintenance/store-port.ts). */
  readonly maintenance: MaintenanceStore;
  /** Where proactive posts go (Teams conversation references). */
  readonly conversationRefs: ConversationRefStore;
  /** Scalings done, for the cooldown and `/status` (src/core/scaling/ports.ts). */
  readonly scaling: ScalingStore;
  /** Alerts, their groups, chat posts, digests and silences (src/core/alerts/store.ts). */
  readonly alerts: AlertStore;
  /** What each alert group post last showed, for its thread replies (src/core/alerts/thread.ts). */
  readonly alertThreads: AlertThreadStore;
  /** Tickets (GitLab issues) opened for alerts, claimed once per subject (src/core/alerts/tickets.ts). */
  readonly alertTickets: AlertTicketStore;
  /** Deletes what has aged out (src/core/retention/ports.ts). */
  readonly retention: RetentionStore;
  /** Cheap round trip for /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
