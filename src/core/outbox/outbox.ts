/**
 * The durable outbox: every outgoing chat post and edit is first a row in the store, then a worker
 * delivers it through the platform's ChatDelivery. Deliveries that fail are retried with exponential
 * backoff and jitter, or when the server said (429 Retry-After); refusals that retrying cannot fix are
 * given up and logged. Edits of one message coalesce while they wait, so only the newest content is
 * sent. Rows are leased before delivery, so replicas sharing a PostgreSQL database never send a row
 * twice, and a chat outage never fails a job: its messages wait in the store until the chat is back.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChatDelivery, MessageRef, PostOptions } from '../chat.js';
import { PermanentDeliveryError, RetryableDeliveryError } from '../chat.js';
import type { Clock } from '../clock.js';
import { conversationKey, type Conversation, type Platform } from '../identity.js';
import type { Logger } from '../log.js';
import type { Message } from '../message.js';
import type { Notifier } from '../notify.js';
import type { Store } from '../store.js';
import { retryDelayMs, type BackoffSettings } from './backoff.js';
import type { DeliveryObserver } from './fallback.js';
import type { FallbackPolicy } from './fallback-policy.js';
import type { NewOutboxEntry, OutboxEntry } from './ports.js';
import { RateLimiter, type ConversationLimiter, type RateLimit } from './rate-limit.js';
import { sharedLimiterOrNull } from './shared-rate-limit.js';

export interface DeliverySettings extends BackoffSettings {
  /** Per conversation. */
  readonly rateLimit: RateLimit;
  /** An entry still undelivered this long after it was queued is given up and logged. */
  readonly giveUpAfterMs: number;
}

export const DEFAULT_DELIVERY_SETTINGS: DeliverySettings = {
  baseDelayMs: 1_000,
  maxDelayMs: 5 * 60_000,
  giveUpAfterMs: 24 * 60 * 60_000,
  rateLimit: { perSecond: 10, burst: 10 },
};

export interface OutboxDeps {
  /** With `rateBudgets` (PostgreSQL), the rate limits are shared by every replica on the database. */
  readonly store: Pick<Store, 'outbox' | 'messageRefs'> & Partial<Pick<Store, 'rateBudgets'>>;
  readonly clock: Clock;
  readonly logger: Logger;
  /** This process (`host/pid/nonce`): the holder of the leases it takes. */
  readonly owner: string;
  /** How long a claimed row is this worker's; a delivery taking longer is abandoned (default 60 s). */
  readonly leaseMs?: number;
  /** Longest sleep between looks at the store: rows from other replicas, or left by a crash (default 1 s). */
  readonly pollMs?: number;
  readonly batchSize?: number;
  readonly random?: () => number;
  /** Told of every failed and every successful delivery: the fallback (src/core/outbox/fallback.ts). */
  readonly observer?: DeliveryObserver;
  /**
   * Deliver only from `start()`, not from the first `register()`: `opsbot serve` registers its chats
   * before it listens, and a replica that cannot listen must not deliver anything (default false).
   */
  readonly startExplicitly?: boolean;
}

export interface OutgoingMessage {
  readonly conversation: Conversation;
  /** Keyed messages are posted once and then edited (see NewOutboxEntry.key). */
  readonly key?: string | null;
  readonly message: Message;
  readonly actors?: readonly string[] | null;
  /** Reply under the message shown under this key (see NewOutboxEntry.threadKey). */
  readonly threadKey?: string | null;
  /** Where it also goes when the conversation cannot be reached (see NewOutboxEntry.fallback). */
  readonly fallback?: FallbackPolicy | null;
}

interface Channel {
  readonly delivery: ChatDelivery;
  readonly settings: DeliverySettings;
  readonly limiter: ConversationLimiter;
}

/** Shortest sleep when something is due but blocked (another replica is delivering its key). */
const MIN_WAIT_MS = 50;
const RECENT_KEYS = 10_000;
/** threadOf: the message a reply goes under is still queued. */
const WAIT = Symbol('wait for the thread');
/** How long a wake may wait for more messages to deliver in the same pass. */
const WAKE_MS = 10;
/** How often a pass looks again while every conversation with something due is out of tokens. */
const LIMITED_WAIT_MS = 100;

export class Outbox {
  private readonly channels = new Map<Platform, Channel>();
  /** Enqueues of one key run one after another, so a later edit can never be overtaken by an earlier one. */
  private readonly keyChains = new Map<string, Promise<unknown>>();
  /**
   * Keys this process has queued lately. A key not among them gets its first row without the
   * coalescing look-up (a job's first post): coalescing is an optimisation, and a row of the key left
   * by another replica or a restart is still delivered in order, only not merged.
   */
  private readonly recentKeys = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private timerAt = 0;
  private running: Promise<void> | null = null;
  private again = false;
  private started = false;
  private stopped = false;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly batchSize: number;
  private readonly random: () => number;
  /** Observer calls still running (a fallback being sent); stop() waits for them. */
  private readonly observing = new Set<Promise<void>>();
  /** Conversations whose delivery failed in this pass: nothing after it may overtake it. */
  private readonly failing = new Set<string>();
  /**
   * Set when a pass found nothing due outside the conversations that had no token left. While it
   * holds and those conversations are still out of tokens, a pass skips the store: otherwise it
   * would scan their whole backlog (a storm of jobs in one channel queues thousands of rows) only
   * to skip it, ten times a second. An enqueue into any other conversation ends it, and so does
   * `pollMs` (rows of other replicas, and retries coming due, are found as late as ever).
   */
  private quietOutside: { readonly conversations: ReadonlySet<string>; readonly until: number } | null = null;
  /** Enqueues so far: a pass only trusts an empty answer if none happened while it asked. */
  private enqueues = 0;

  constructor(private readonly deps: OutboxDeps) {
    this.leaseMs = deps.leaseMs ?? 60_000;
    this.pollMs = deps.pollMs ?? 1_000;
    this.batchSize = deps.batchSize ?? 32;
    this.random = deps.random ?? Math.random;
  }

  /** Adds a platform: its messages are delivered from now on (and rows left from before, too). */
  register(delivery: ChatDelivery, settings: Partial<DeliverySettings> = {}): void {
    const merged: DeliverySettings = { ...DEFAULT_DELIVERY_SETTINGS, ...settings };
    const limiter = sharedLimiterOrNull(this.deps.store, merged.rateLimit) ?? new RateLimiter(merged.rateLimit);
    this.channels.set(delivery.platform, { delivery, settings: merged, limiter });
    // Rows of the new platform may be waiting: a look at the store must not be skipped.
    this.quietOutside = null;
    if (this.deps.startExplicitly !== true) this.start();
    else this.wake();
  }

  has(platform: Platform): boolean {
    return this.channels.has(platform);
  }

  /** Persists the message; the worker delivers it. Resolves once it is safely stored. */
  enqueue(outgoing: OutgoingMessage): Promise<{ id: number; coalesced: boolean }> {
    const key = outgoing.key ?? null;
    const write = async (): Promise<{ id: number; coalesced: boolean }> => {
      const result = await this.deps.store.outbox.enqueue(this.entryFor(outgoing));
      this.stored(outgoing);
      return result;
    };
    if (key === null) return write();
    const previous = this.keyChains.get(key) ?? Promise.resolve();
    const next = previous.then(write, write);
    const settled = next.catch(() => undefined);
    this.keyChains.set(key, settled);
    void settled.then(() => {
      if (this.keyChains.get(key) === settled) this.keyChains.delete(key);
    });
    return next;
  }

  /**
   * The store entry for `outgoing`, for a caller that writes it in a transaction of its own (a job's
   * final post is stored with the job's end). Tell `stored` once that transaction has committed.
   */
  entryFor(outgoing: OutgoingMessage): NewOutboxEntry {
    const key = outgoing.key ?? null;
    return {
      conversation: outgoing.conversation,
      key,
      message: outgoing.message,
      actors: outgoing.actors === undefined || outgoing.actors === null || outgoing.actors.length === 0 ? null : outgoing.actors,
      ...(outgoing.threadKey === undefined || outgoing.threadKey === null ? {} : { threadKey: outgoing.threadKey }),
      ...(outgoing.fallback === undefined || outgoing.fallback === null ? {} : { fallback: outgoing.fallback }),
      now: this.deps.clock.now(),
      coalesce: key !== null && this.recentKeys.has(key),
    };
  }

  /** An entry of `outgoing` is in the store: deliver it soon. */
  stored(outgoing: Pick<OutgoingMessage, 'conversation' | 'key'>): void {
    const key = outgoing.key ?? null;
    if (key !== null && !this.recentKeys.has(key)) this.remember(key);
    this.enqueues += 1;
    if (this.quietOutside !== null && !this.quietOutside.conversations.has(conversationKey(outgoing.conversation))) this.quietOutside = null;
    this.wake();
  }

  /** Resolves once every enqueue of `key` made so far is stored (or has failed). */
  async settled(key: string): Promise<void> {
    await this.keyChains.get(key);
  }

  private remember(key: string): void {
    this.recentKeys.add(key);
    // Insertion order: the first key is the oldest. Forgetting one only costs a missed merge.
    if (this.recentKeys.size > RECENT_KEYS) this.recentKeys.delete(this.recentKeys.values().next().value as string);
  }

  /** Out-of-band notices (interrupted jobs, queued jobs starting) for the NotifierRouter. */
  notifier(): Notifier {
    return {
      notify: async (conversation, message) => {
        await this.enqueue({ conversation, message });
      },
    };
  }

  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.schedule(0);
  }

  /**
   * Looks at the store soon (called after every enqueue). Wakes within WAKE_MS are folded into one
   * pass, so a burst of messages costs one read of the store, not one per message.
   */
  wake(): void {
    if (!this.started || this.stopped) return;
    if (this.running !== null) {
      this.again = true;
      return;
    }
    if (this.timer !== null && this.timerAt <= Date.now() + WAKE_MS) return;
    this.schedule(WAKE_MS);
  }

  /**
   * Before `stop`: delivers what is due now (a shutdown's notices of interrupted jobs), pass after
   * pass, for at most `maxMs`. Returns early once nothing is due, or what is due waits for a retry or
   * a rate limit: those rows stay in the store for the next start.
   */
  async drain(maxMs: number): Promise<void> {
    const deadline = Date.now() + maxMs;
    const platforms = [...this.channels.keys()];
    let last: { readonly due: number; readonly enqueues: number } | null = null;
    while (!this.stopped && platforms.length > 0 && Date.now() < deadline) {
      await this.running;
      const next = await this.deps.store.outbox.nextDue(platforms);
      if (next === null || next.getTime() > this.deps.clock.now().getTime()) return;
      // Nothing delivered by the last pass and nothing new: what is due is held back (rate limit, a failing chat).
      if (last !== null && last.due === next.getTime() && last.enqueues === this.enqueues) return;
      last = { due: next.getTime(), enqueues: this.enqueues };
      if (this.timer !== null) clearTimeout(this.timer);
      this.run();
      await Promise.race([this.running, sleep(Math.max(0, deadline - Date.now()), undefined, { ref: false })]);
    }
  }

  /** Stops the worker and waits for deliveries in flight; undelivered rows stay in the store. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
    await Promise.allSettled([...this.keyChains.values()]);
    await Promise.allSettled([...this.observing]);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timerAt = Date.now() + ms;
    this.timer = setTimeout(() => this.run(), ms);
    this.timer.unref();
  }

  private run(): void {
    this.timer = null;
    if (this.running !== null) {
      this.again = true;
      return;
    }
    let nextMs = this.pollMs;
    this.running = this.tick()
      .then((ms) => {
        nextMs = ms;
      })
      .catch((error: unknown) => {
        this.deps.logger.warn({ err: error }, 'outbox: could not read or update the store; will try again');
      })
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.schedule(Math.min(nextMs, WAKE_MS));
        } else {
          this.schedule(nextMs);
        }
      });
  }

  /** One pass: delivers what is due; resolves with how long to sleep before the next pass. */
  private async tick(): Promise<number> {
    const platforms = [...this.channels.keys()];
    if (platforms.length === 0) return this.pollMs;
    this.failing.clear();
    const now = this.deps.clock.now();
    const limited = [...this.channels.values()].flatMap((c) => c.limiter.exhausted(now.getTime()));
    if (limited.length > 0 && this.onlyLimitedAreDue(limited, now.getTime())) return Math.min(this.pollMs, LIMITED_WAIT_MS);
    const enqueuesBefore = this.enqueues;
    const due = await this.deps.store.outbox.due(platforms, now, this.batchSize, limited);
    if (due.length === 0 && limited.length > 0) {
      if (this.enqueues === enqueuesBefore) this.quietOutside = { conversations: new Set(limited), until: now.getTime() + this.pollMs };
      return Math.min(this.pollMs, LIMITED_WAIT_MS);
    }
    if (due.length === 0) {
      const next = await this.deps.store.outbox.nextDue(platforms);
      if (next === null) return this.pollMs;
      return Math.min(this.pollMs, Math.max(MIN_WAIT_MS, next.getTime() - this.deps.clock.now().getTime()));
    }

    // One conversation's messages go out in order; different conversations in parallel.
    const groups = new Map<string, OutboxEntry[]>();
    for (const entry of due) {
      const group = conversationKey(entry.conversation);
      groups.set(group, [...(groups.get(group) ?? []), entry]);
    }
    let attempted = false;
    let waitMs = this.pollMs;
    await Promise.all(
      [...groups.entries()].map(async ([group, entries]) => {
        for (const entry of entries) {
          const channel = this.channels.get(entry.conversation.platform);
          if (channel === undefined || this.stopped) return;
          // After a failed delivery the rest of the conversation waits: the backlog goes out in order.
          if (this.failing.has(group)) return;
          const wait = await channel.limiter.take(group, this.deps.clock.now().getTime());
          if (wait > 0) {
            waitMs = Math.min(waitMs, wait);
            return;
          }
          if (await this.deliver(entry, channel)) attempted = true;
          // Another worker had the row: the token bought no request, so it goes back to the budget.
          else await channel.limiter.refund(group, this.deps.clock.now().getTime());
        }
      }),
    );
    for (const channel of this.channels.values()) await channel.limiter.prune(this.deps.clock.now().getTime());
    return attempted ? 0 : Math.max(MIN_WAIT_MS, waitMs);
  }

  /** True while nothing can be due outside `limited` (see quietOutside). */
  private onlyLimitedAreDue(limited: readonly string[], nowMs: number): boolean {
    const quiet = this.quietOutside;
    if (quiet === null) return false;
    if (nowMs >= quiet.until) {
      this.quietOutside = null;
      return false;
    }
    for (const conversation of quiet.conversations) if (!limited.includes(conversation)) return false;
    return true;
  }

  /** Claims and delivers one entry; false if another worker had it. */
  private async deliver(entry: OutboxEntry, channel: Channel): Promise<boolean> {
    const { store, clock, owner } = this.deps;
    const claimed = await store.outbox.claim(entry.id, owner, clock.now(), this.leaseMs);
    if (claimed === null) return false;
    try {
      const thread = await this.threadOf(claimed);
      if (thread === WAIT) {
        // Its thread's message is still queued (due() holds replies back; this one raced it): later.
        await store.outbox.retry(claimed.id, owner, clock.now(), 'waiting for the message it replies to');
        return true;
      }
      const options: PostOptions = {
        ...(thread === null ? {} : { threadId: thread.id }),
        ...(claimed.actors === null ? {} : { actors: claimed.actors }),
      };
      await this.withinLease(async () => {
        if (claimed.key === null) {
          await channel.delivery.post(claimed.conversation, claimed.message, options);
          return;
        }
        const ref: MessageRef | null = await store.messageRefs.get(claimed.key);
        if (ref !== null) {
          await channel.delivery.update(ref, claimed.message, options);
        } else {
          const created = await channel.delivery.post(claimed.conversation, claimed.message, options);
          // Saved before the row is completed: the next edit of this key (delivered only after this row
          // is gone) must find it, on whichever replica it runs.
          await store.messageRefs.put(claimed.key, created, clock.now());
        }
      });
    } catch (error: unknown) {
      await this.failed(claimed, channel, error);
      return true;
    }
    await store.outbox.complete(claimed.id, owner);
    this.deps.observer?.delivered(claimed);
    return true;
  }

  /**
   * The thread to post in: the conversation's own, or for a reply the platform id of the message
   * posted under its thread key. 'wait' while that message is still queued; a message that was
   * given up leaves its replies nowhere to go.
   */
  private async threadOf(entry: OutboxEntry): Promise<{ readonly id: string } | typeof WAIT | null> {
    const own = entry.conversation.threadId === undefined ? null : { id: entry.conversation.threadId };
    if (entry.threadKey === undefined) return own;
    const root = await this.deps.store.messageRefs.get(entry.threadKey);
    if (root === null) {
      if (await this.deps.store.outbox.hasPending(entry.threadKey)) return WAIT;
      throw new PermanentDeliveryError(`the message it replies to (${entry.threadKey}) was never delivered`);
    }
    // A ref of another conversation (or platform) cannot be a thread here: post on its own.
    if (root.platform !== entry.conversation.platform || root.conversationId !== entry.conversation.id) return own;
    return { id: root.messageId };
  }

  /** Runs an observer call in the background (a fallback may take a while); stop() waits for it. */
  private observe(call: () => Promise<void>): void {
    const running: Promise<void> = call()
      .catch((error: unknown) => this.deps.logger.warn({ err: error }, 'outbox: the delivery observer failed'))
      .finally(() => this.observing.delete(running));
    this.observing.add(running);
  }

  private async failed(entry: OutboxEntry, channel: Channel, error: unknown): Promise<void> {
    const { store, clock, owner, logger } = this.deps;
    const reason = error instanceof Error ? error.message : String(error);
    const context = { outboxId: entry.id, key: entry.key, conversation: entry.conversation, attempts: entry.attempts + 1, reason };
    const observer = this.deps.observer;
    const tell = (final: boolean): void => {
      if (observer !== undefined) this.observe(() => observer.failed(entry, { reason, final, attempts: entry.attempts + 1, at: clock.now() }));
    };
    if (error instanceof PermanentDeliveryError) {
      await store.outbox.fail(entry.id, owner, reason);
      logger.error(context, 'chat message given up: the chat platform refused it');
      tell(true);
      return;
    }
    this.failing.add(conversationKey(entry.conversation));
    if (!(error instanceof RetryableDeliveryError)) logger.warn({ ...context, err: error }, 'chat delivery failed unexpectedly; treating it as temporary');
    const retryAfter = error instanceof RetryableDeliveryError ? error.retryAfterMs : null;
    const now = clock.now().getTime();
    const at = now + retryDelayMs(entry.attempts + 1, channel.settings, retryAfter, this.random);
    if (at - entry.createdAt.getTime() > channel.settings.giveUpAfterMs) {
      await store.outbox.fail(entry.id, owner, `gave up after ${entry.attempts + 1} attempts: ${reason}`);
      logger.error(context, 'chat message given up: still undeliverable after the retry window');
      tell(true);
      return;
    }
    const outcome = await store.outbox.retry(entry.id, owner, new Date(at), reason);
    logger.warn({ ...context, retryAt: new Date(at).toISOString(), outcome }, 'chat delivery failed; will retry');
    tell(false);
  }

  /** A delivery that hangs must not keep the row past its lease (another replica would send it too). */
  private withinLease(work: () => Promise<void>): Promise<void> {
    const limitMs = Math.floor(this.leaseMs / 2);
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new RetryableDeliveryError(`delivery took longer than ${limitMs} ms`, null)), limitMs);
      timer.unref();
      work().then(
        () => {
          clearTimeout(timer);
          resolve();
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }
}
