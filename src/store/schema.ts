/**
 * Table types for Kysely. The same columns exist on SQLite and PostgreSQL, with only types that
 * behave identically on both: times are epoch milliseconds (bigint on PostgreSQL, parsed to a JS
 * number by the pool's own type parser; integer on SQLite), JSON is text we stringify ourselves,
 * booleans are 0/1 integers. Enumerations (state, event, platform) are plain text, checked on read.
 */
import type { ColumnType, Generated } from 'kysely';

/** An id the database assigns: absent on insert, a number when read. */
type Id = Generated<number>;

export interface JobsTable {
  id: Id;
  command: string;
  text: string;
  /** JSON object: the redacted parsed arguments. */
  args: string;
  state: string;
  principal_platform: string;
  principal_id: string;
  principal_name: string;
  /** JSON array of group names, or null when the adapter established none. */
  principal_groups: string | null;
  conversation_platform: string;
  conversation_id: string;
  conversation_thread_id: string | null;
  conversation_name: string | null;
  lock_key: string | null;
  /** 0 or 1. */
  dry_run: number;
  owner: string;
  timeout_ms: number;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  heartbeat_at: number | null;
  step: string | null;
  progress_done: number | null;
  progress_total: number | null;
  summary: string | null;
  error: string | null;
  output: ColumnType<string, string | undefined, string>;
  /** JSON object of string values. */
  refs: ColumnType<string, string | undefined, string>;
  /** 0 or 1: someone asked to cancel the job; its owner acts on it. */
  cancel_requested: ColumnType<number, number | undefined, number>;
}

export interface AuditTable {
  id: Id;
  at: number;
  event: string;
  principal_platform: string;
  principal_id: string;
  principal_name: string;
  principal_groups: string | null;
  conversation_platform: string;
  conversation_id: string;
  conversation_thread_id: string | null;
  conversation_name: string | null;
  command: string | null;
  /** JSON object or null. */
  args: string | null;
  permission: string | null;
  job_id: number | null;
  outcome: string | null;
  detail: string | null;
  refs: string;
  /** 1 for a dry run, else 0 (migration 0011; rows from before it default to 0). */
  dry_run: ColumnType<number, number | undefined, number>;
}

export interface LocksTable {
  /** The primary key: two writers can never both hold the same key. */
  key: string;
  /** Null for a manual freeze. */
  job_id: number | null;
  holder_platform: string;
  holder_id: string;
  holder_name: string;
  holder_groups: string | null;
  reason: string | null;
  acquired_at: number;
  /** Null: held until released. */
  expires_at: number | null;
}

export interface ConfirmationsTable {
  code: string;
  principal_key: string;
  conversation_key: string;
  text: string;
  expires_at: number;
}

export interface Database {
  jobs: JobsTable;
  audit: AuditTable;
  locks: LocksTable;
  confirmations: ConfirmationsTable;
}

export type StoreEngine = 'sqlite' | 'postgres';
