/**
 * What the outbox persists. Every outgoing chat post or edit is a row before anything is sent, so a
 * chat outage, a crash or a restart loses nothing; rows are claimed with a lease, so several replicas
 * on one database never deliver the same row twice.
 */
import type { MessageRef } from '../chat.js';
import type { Conversation, Platform } from '../identity.js';
import type { Message } from '../message.js';
import type { FallbackPolicy } from './fallback-policy.js';

export interface NewOutboxEntry {
  readonly conversation: Conversation;
  /**
   * The message this entry shows (`job:42`): the first delivery posts it and remembers the ref under
   * this key, later ones edit that post. Null for a one-off post (a notice).
   */
  readonly key: string | null;
  readonly message: Message;
  /** Who may press its buttons (see PostOptions.actors); null for anyone. */
  readonly actors: readonly string[] | null;
  /**
   * Post as a reply under the message shown under this key (its thread). The entry waits until that
   * message is posted; absent or null: not a reply.
   */
  readonly threadKey?: string | null;
  /** Where this message also goes when its conversation cannot be reached (src/core/outbox/fallback.ts). */
  readonly fallback?: FallbackPolicy | null;
  readonly now: Date;
  /**
   * False when the caller knows no pending entry of this key can exist (its first message): the
   * store then skips the coalescing look-up. Default true.
   */
  readonly coalesce?: boolean;
}

export type OutboxState = 'pending' | 'dead';

export interface OutboxEntry {
  readonly id: number;
  readonly conversation: Conversation;
  readonly key: string | null;
  readonly message: Message;
  readonly actors: readonly string[] | null;
  /** Present only when set (see NewOutboxEntry.threadKey). */
  readonly threadKey?: string;
  /** Present only when set (see NewOutboxEntry.fallback). */
  readonly fallback?: FallbackPolicy;
  /** Digest of the content last sent to the fallback; absent when none was. */
  readonly fallbackSent?: string;
  readonly state: OutboxState;
  /** Failed delivery attempts so far. */
  readonly attempts: number;
  /** Not delivered before this time (backoff, Retry-After). */
  readonly notBefore: Date;
  readonly createdAt: Date;
  readonly lastError: string | null;
}

export interface OutboxStore {
  /**
   * Adds an entry. A keyed entry whose key already has a pending entry nobody is delivering right now
   * replaces that entry's content instead (edits coalesce: only the newest content is sent).
   */
  enqueue(entry: NewOutboxEntry): Promise<{ readonly id: number; readonly coalesced: boolean }>;
  /**
   * Pending entries of these platforms that are due at `now` and not leased, oldest first, and only
   * the oldest pending entry of each key (a post is delivered before its edits). Conversations in
   * `skip` (`<platform>:<id>`, at their rate limit) are left out, so they cannot crowd out the rest.
   * A conversation's entries keep their order: none is due while an older one of the same
   * conversation waits for its retry, and a reply is not due while its thread's message is pending.
   */
  due(platforms: readonly Platform[], now: Date, limit: number, skip?: readonly string[]): Promise<OutboxEntry[]>;
  /**
   * Leases one entry to `owner` until now + leaseMs: a single conditional update, so of several
   * replicas exactly one gets it. Null when someone else holds it or it is gone.
   */
  claim(id: number, owner: string, now: Date, leaseMs: number): Promise<OutboxEntry | null>;
  /** Delivered: the entry is removed (only by the owner of the lease). */
  complete(id: number, owner: string): Promise<void>;
  /**
   * Try again at `notBefore`, counting the attempt and releasing the lease. When a newer pending entry
   * of the same key exists, this one is dropped instead: its content is already out of date.
   */
  retry(id: number, owner: string, notBefore: Date, error: string): Promise<'rescheduled' | 'superseded'>;
  /** Gives up: the entry stays as `dead` with the reason, for inspection. */
  fail(id: number, owner: string, error: string): Promise<void>;
  /** The earliest time a pending entry of these platforms becomes due, or null if there is none. */
  nextDue(platforms: readonly Platform[]): Promise<Date | null>;
  /** True while an entry of this key waits to be delivered. */
  hasPending(key: string): Promise<boolean>;
  /** Pending entries of one conversation (`<platform>:<id>`) that have a fallback, oldest first. */
  withFallback(conversationKey: string, limit: number): Promise<OutboxEntry[]>;
  /**
   * Takes the right to send `digest` (the entry's content) to its fallback: one conditional update,
   * so of all retries and replicas exactly one sends each content. False if it was sent already or
   * the entry is gone.
   */
  claimFallback(id: number, digest: string): Promise<boolean>;
  /** The send failed: gives the claim back, so a later failure tries again. */
  releaseFallback(id: number, digest: string): Promise<void>;
  list(state: OutboxState, limit: number): Promise<OutboxEntry[]>;
  count(state: OutboxState): Promise<number>;
}

export interface MessageRefStore {
  get(key: string): Promise<MessageRef | null>;
  /** Creates or replaces the ref of `key`. */
  put(key: string, ref: MessageRef, now: Date): Promise<void>;
}

export interface NonceStore {
  /**
   * Records a one-time token that stays known until `expiresAt`. False when it was recorded before
   * (a replay). Expired tokens are pruned as a side effect.
   */
  use(nonce: string, expiresAt: Date, now: Date): Promise<boolean>;
}
