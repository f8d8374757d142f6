/**
 * Fallback delivery (issue #6, item 7). When a conversation's chat cannot be reached for longer than
 * a row's policy allows (so many failed attempts in a row, or failing for so long), the rows queued
 * for it that carry a fallback also go there: another chat conversation (through the Notifier, so
 * that chat's own outbox retries it) or a plain webhook. Each content goes out once (a digest of it
 * is claimed in the row with one conditional update), not once per retry and not once per replica;
 * an alert group that changes meanwhile has new content, so the change goes out too. The rows stay
 * queued for their own chat, and the outbox delivers them there, in order, when it is back.
 *
 * The outbox knows nothing of this beyond the DeliveryObserver calls.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../clock.js';
import { formatTime } from '../format.js';
import { conversationKey, type Conversation, type Platform } from '../identity.js';
import type { Logger } from '../log.js';
import type { Message } from '../message.js';
import type { Notifier } from '../notify.js';
import type { Store } from '../store.js';
import { fallbackDue, fallbackTarget, type FallbackPolicy } from './fallback-policy.js';
import type { OutboxEntry } from './ports.js';

export interface DeliveryFailure {
  readonly reason: string;
  /** The row was given up (refused, or out of its retry window): no retry will follow. */
  readonly final: boolean;
  /** Failed attempts of this row so far, this one included. */
  readonly attempts: number;
  readonly at: Date;
}

/** What the outbox tells about each delivery. */
export interface DeliveryObserver {
  failed(entry: OutboxEntry, failure: DeliveryFailure): Promise<void>;
  delivered(entry: OutboxEntry): void;
}

/** A message that could not reach its conversation, as handed to a fallback. */
export interface FallbackNotice {
  readonly message: Message;
  /** Where it should have gone. */
  readonly conversation: Conversation;
  /** The outbox key it is shown under there (`alerts:group:12:mattermost:ch-ops`), or null. */
  readonly key: string | null;
  /** Since when deliveries to that conversation have been failing. */
  readonly failingSince: Date;
}

/** A webhook named in the config (src/adapters/fallback-webhook.ts). */
export interface WebhookSender {
  send(notice: FallbackNotice): Promise<void>;
}

/** Chat fallbacks: the NotifierRouter, which knows which platforms have an adapter here. */
export interface FallbackChat extends Notifier {
  has(platform: Platform): boolean;
}

export interface FallbackDeps {
  readonly store: Pick<Store, 'outbox'>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly chat: FallbackChat;
  readonly webhooks: ReadonlyMap<string, WebhookSender>;
  /** Rows looked at per conversation and failure (default 100). */
  readonly batch?: number;
}

interface Streak {
  readonly since: Date;
  failures: number;
}

/** One failure, as a fallback pass sees it. */
interface Failure {
  readonly entry: OutboxEntry;
  readonly final: boolean;
  readonly attempts: number;
  readonly failingMs: number;
  readonly since: Date;
}

/** A conversation's running pass, and what failed while it ran. */
interface Pass {
  next: Failure | null;
  /** Given-up rows: no longer queued, so a later pass would not find them. */
  readonly finals: Failure[];
}

export class OutboxFallback implements DeliveryObserver {
  /** Per conversation: the failures in a row since the last delivery that went through. */
  private readonly streaks = new Map<string, Streak>();
  /** Per conversation: the pass that is sending. One at a time, so a fallback hears things in queue order. */
  private readonly passes = new Map<string, Pass>();

  constructor(private readonly deps: FallbackDeps) {}

  delivered(entry: OutboxEntry): void {
    this.streaks.delete(conversationKey(entry.conversation));
  }

  async failed(entry: OutboxEntry, failure: DeliveryFailure): Promise<void> {
    const key = conversationKey(entry.conversation);
    const streak = this.streaks.get(key) ?? { since: failure.at, failures: 0 };
    streak.failures += 1;
    this.streaks.set(key, streak);
    const current: Failure = {
      entry,
      final: failure.final,
      // The row's own count survives a restart; the streak is this process's view of the outage.
      attempts: Math.max(streak.failures, failure.attempts),
      failingMs: failure.at.getTime() - streak.since.getTime(),
      since: streak.since,
    };
    const running = this.passes.get(key);
    if (running !== undefined) {
      // A pass is sending (a slow webhook): the newest failure runs after it, given-up rows all do.
      if (current.final) running.finals.push(current);
      else running.next = current;
      return;
    }
    const pass: Pass = { next: null, finals: [] };
    this.passes.set(key, pass);
    try {
      let next: Failure | null = current;
      while (next !== null || pass.finals.length > 0) {
        await this.pass(key, next, pass.finals.splice(0));
        next = pass.next;
        pass.next = null;
      }
    } finally {
      this.passes.delete(key);
    }
  }

  /**
   * Sends what is due, oldest first: the failed row itself (dead now, if it was given up), then every
   * row queued behind it. While the head of a conversation fails nothing after it is tried, yet its
   * alerts must not wait for that.
   */
  private async pass(key: string, failure: Failure | null, finals: readonly Failure[]): Promise<void> {
    const due = new Map<number, { readonly row: OutboxEntry; readonly since: Date }>();
    for (const f of finals) due.set(f.entry.id, { row: f.entry, since: f.since });
    if (failure !== null) {
      if (failure.final || (failure.entry.fallback !== undefined && fallbackDue(failure.entry.fallback, failure.attempts, failure.failingMs))) due.set(failure.entry.id, { row: failure.entry, since: failure.since });
      for (const row of await this.deps.store.outbox.withFallback(key, this.deps.batch ?? 100)) {
        if (row.fallback !== undefined && !due.has(row.id) && fallbackDue(row.fallback, failure.attempts, failure.failingMs)) due.set(row.id, { row, since: failure.since });
      }
    }
    for (const { row, since } of [...due.values()].sort((a, b) => a.row.id - b.row.id)) {
      if (row.fallback !== undefined) await this.send(row, row.fallback, since);
    }
  }

  /** Sends one row's content to its fallback, unless that content went there already. */
  private async send(row: OutboxEntry, policy: FallbackPolicy, since: Date): Promise<void> {
    const { store, logger } = this.deps;
    const digest = contentDigest(row.message, policy.to);
    if (row.fallbackSent === digest) return;
    if (!(await store.outbox.claimFallback(row.id, digest))) return;
    const notice: FallbackNotice = { message: row.message, conversation: row.conversation, key: row.key, failingSince: since };
    const context = { outboxId: row.id, key: row.key, conversation: conversationKey(row.conversation), fallback: policy.to };
    try {
      await this.deliver(policy.to, notice);
      logger.warn(context, 'chat unreachable: message sent to its fallback; it stays queued for its own chat');
    } catch (error: unknown) {
      await store.outbox.releaseFallback(row.id, digest);
      logger.error({ ...context, err: error }, 'chat unreachable and its fallback failed too; will try again on the next failure');
    }
  }

  private async deliver(to: string, notice: FallbackNotice): Promise<void> {
    const target = fallbackTarget(to);
    if (target === null) throw new Error(`not a fallback: ${to}`);
    if (target.kind === 'webhook') {
      const webhook = this.deps.webhooks.get(target.name);
      if (webhook === undefined) throw new Error(`no webhook named ${target.name} in the config`);
      await webhook.send(notice);
      return;
    }
    if (!this.deps.chat.has(target.conversation.platform)) throw new Error(`${target.conversation.platform} is not connected here`);
    await this.deps.chat.notify(target.conversation, fallbackMessage(notice));
  }
}

/** The message as shown in a fallback chat: what it is, and why it is here. */
export function fallbackMessage(notice: FallbackNotice): Message {
  const where = conversationKey(notice.conversation);
  const note = `Could not be delivered to ${where} (failing since ${formatTime(notice.failingSince)}). It stays queued there and is posted when that chat is back.`;
  return { ...notice.message, blocks: [{ kind: 'text', text: note }, ...notice.message.blocks], ...(notice.message.ephemeral === true ? { ephemeral: false } : {}) };
}

function contentDigest(message: Message, to: string): string {
  return createHash('sha256').update(to).update('\u0000').update(JSON.stringify(message)).digest('hex').slice(0, 32);
}
