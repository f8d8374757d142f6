/**
 * Rate limits shared by replicas on one PostgreSQL (migration 0010): the bucket store's takes are
 * atomic across connection pools, and two outbox workers on two pools, driven by one injected clock
 * that only the test moves, together never send more than one conversation's budget.
 */
import { afterEach, describe, expect, inject, it } from 'vitest';
import type { ChatDelivery, MessageRef } from '../../src/core/chat.js';
import type { Clock } from '../../src/core/clock.js';
import type { Conversation } from '../../src/core/identity.js';
import type { Message } from '../../src/core/message.js';
import { Outbox } from '../../src/core/outbox/outbox.js';
import type { RateLimit } from '../../src/core/outbox/rate-limit.js';
import { SharedRateLimiter, type RateBudgetStore } from '../../src/core/outbox/shared-rate-limit.js';
import type { Store } from '../../src/core/store.js';
import { openPostgresStore } from '../../src/store/postgres.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { eventually, memoryLogger, tempDir, removeTempDirs } from '../support/app.js';
import { createTestDatabase } from '../support/postgres.js';

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const ops: Conversation = { platform: 'mattermost', id: 'ch-ops', name: 'ops' };
const war: Conversation = { platform: 'mattermost', id: 'ch-war' };
const text = (s: string): Message => ({ tone: 'info', blocks: [{ kind: 'text', text: s }] });

/** Time stands still until the test moves it. */
class ManualClock implements Clock {
  constructor(private current: number) {}
  now(): Date {
    return new Date(this.current);
  }
  ms(): number {
    return this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  removeTempDirs();
});

/** `count` stores (each with its own pool) on one fresh PostgreSQL database. */
async function postgresReplicas(count: number): Promise<Store[]> {
  const db = await createTestDatabase(inject('postgresUrl'));
  const stores: Store[] = [];
  for (let i = 0; i < count; i++) stores.push(await openPostgresStore({ url: db.url, poolSize: 4 }));
  cleanups.push(async () => {
    for (const s of stores) await s.close();
    await db.drop();
  });
  return stores;
}

function budgetsOf(store: Store): RateBudgetStore {
  if (store.rateBudgets === null) throw new Error('expected a store with shared rate budgets');
  return store.rateBudgets;
}

describe('shared rate budgets in PostgreSQL', () => {
  const limit: RateLimit = { perSecond: 10, burst: 3 };

  it('spends a bucket atomically: of many concurrent takes on two pools, exactly the burst get a token', async () => {
    const [a, b] = await postgresReplicas(2);
    const takes = Array.from({ length: 40 }, (_, i) => budgetsOf(i % 2 === 0 ? a! : b!).take('mattermost:ch-ops', limit, T0));
    const results = await Promise.all(takes);
    expect(results.filter(Boolean)).toHaveLength(3);
    expect(await budgetsOf(a!).peek('mattermost:ch-ops')).toEqual({ tokens: 0, atMs: T0 });
  });

  it('refills at the rate up to the burst, gives refunds back, and keys are independent', async () => {
    const [store] = await postgresReplicas(1);
    const budgets = budgetsOf(store!);
    for (let i = 0; i < 3; i++) expect(await budgets.take('k', limit, T0)).toBe(true);
    expect(await budgets.take('k', limit, T0)).toBe(false);
    expect(await budgets.take('other', limit, T0)).toBe(true);
    // 10 per second: one token every 100 ms.
    expect(await budgets.take('k', limit, T0 + 99)).toBe(false);
    expect(await budgets.take('k', limit, T0 + 100)).toBe(true);
    expect(await budgets.take('k', limit, T0 + 100)).toBe(false);
    await budgets.refund('k', limit);
    expect(await budgets.take('k', limit, T0 + 100)).toBe(true);
    // Never more than the burst, however long the bucket was idle.
    for (let i = 0; i < 3; i++) expect(await budgets.take('k', limit, T0 + 3_600_000)).toBe(true);
    expect(await budgets.take('k', limit, T0 + 3_600_000)).toBe(false);
    await budgets.refund('k', limit);
    await budgets.refund('k', limit);
    await budgets.refund('k', limit);
    await budgets.refund('k', limit);
    expect((await budgets.peek('k'))?.tokens).toBe(3);
  });

  it('gives a replica whose clock is behind no refill (skew costs throughput, never the limit)', async () => {
    const [store] = await postgresReplicas(1);
    const budgets = budgetsOf(store!);
    for (let i = 0; i < 3; i++) expect(await budgets.take('k', limit, T0 + 5_000)).toBe(true);
    expect(await budgets.take('k', limit, T0)).toBe(false);
    expect(await budgets.peek('k')).toEqual({ tokens: 0, atMs: T0 + 5_000 });
    expect(await budgets.take('k', limit, T0 + 5_100)).toBe(true);
  });

  it('prunes buckets by last use; a pruned bucket starts full', async () => {
    const [store] = await postgresReplicas(1);
    const budgets = budgetsOf(store!);
    await budgets.take('old', limit, T0);
    await budgets.take('new', limit, T0 + 10_000);
    expect(await budgets.prune(T0 + 5_000)).toBe(1);
    expect(await budgets.peek('old')).toBeNull();
    expect(await budgets.peek('new')).not.toBeNull();
    const limiter = new SharedRateLimiter(budgets, limit);
    expect(await limiter.take('old', T0 + 5_000)).toBe(0);
    expect((await budgets.peek('old'))?.tokens).toBe(2);
  });

  it('tells how long until the next token and keeps an empty conversation out of the next read', async () => {
    const [store] = await postgresReplicas(1);
    const limiter = new SharedRateLimiter(budgetsOf(store!), { perSecond: 4, burst: 1 });
    expect(await limiter.take('mattermost:ch-ops', T0)).toBe(0);
    // Half a token after 125 ms at 4 per second: the other half takes 125 ms more.
    expect(await limiter.take('mattermost:ch-ops', T0 + 125)).toBe(125);
    expect(limiter.exhausted(T0 + 200)).toEqual(['mattermost:ch-ops']);
    expect(limiter.exhausted(T0 + 250)).toEqual([]);
    expect(await limiter.take('mattermost:ch-ops', T0 + 250)).toBe(0);
  });

  it('is used only where the database is shared: SQLite keeps the in-memory limiter', async () => {
    const sqlite = await openSqliteStore({ path: `${tempDir()}/opsbot.db` });
    cleanups.push(() => sqlite.close());
    expect(sqlite.rateBudgets).toBeNull();
    const [postgres] = await postgresReplicas(1);
    expect(postgres!.rateBudgets).not.toBeNull();
  });
});

/** Records each send with the (injected) time it happened at. */
class TimedDelivery implements ChatDelivery {
  readonly platform = 'mattermost' as const;
  readonly sent: { conversation: string; text: string; at: number; replica: string }[] = [];
  private next = 0;

  constructor(
    private readonly clock: ManualClock,
    private readonly replica: string,
    private readonly into: TimedDelivery['sent'],
  ) {}

  post(conversation: Conversation, message: Message): Promise<MessageRef> {
    this.next += 1;
    const block = message.blocks[0];
    this.into.push({ conversation: conversation.id, text: block?.kind === 'text' ? block.text : '', at: this.clock.ms(), replica: this.replica });
    return Promise.resolve({ platform: 'mattermost', conversationId: conversation.id, messageId: `${this.replica}-${this.next}` });
  }

  update(): Promise<void> {
    return Promise.resolve();
  }
}

/** Counts, per injected time, the takes the shared store refused to each replica. */
function countingRefusals(budgets: RateBudgetStore, clock: ManualClock, refusedAt: Map<number, number>): RateBudgetStore {
  return {
    take: async (key, limit, nowMs) => {
      const taken = await budgets.take(key, limit, nowMs);
      if (!taken && key === 'mattermost:ch-ops' && nowMs === clock.ms()) refusedAt.set(nowMs, (refusedAt.get(nowMs) ?? 0) + 1);
      return taken;
    },
    peek: (key) => budgets.peek(key),
    refund: (key, limit) => budgets.refund(key, limit),
    prune: (before) => budgets.prune(before),
  };
}

describe('two outbox replicas on one PostgreSQL', () => {
  it('together never send more than the conversation budget, window by window', async () => {
    const limit: RateLimit = { perSecond: 5, burst: 5 };
    const [writer, first, second] = await postgresReplicas(3);
    const clock = new ManualClock(T0);
    const sent: TimedDelivery['sent'] = [];
    const refusals = [new Map<number, number>(), new Map<number, number>()];
    [first!, second!].forEach((store, i) => {
      const replica = `replica-${i}`;
      const outbox = new Outbox({
        store: { outbox: store.outbox, messageRefs: store.messageRefs, rateBudgets: countingRefusals(budgetsOf(store), clock, refusals[i]!) },
        clock,
        logger: memoryLogger(),
        owner: `${replica}/1/x`,
        pollMs: 40,
      });
      outbox.register(new TimedDelivery(clock, replica, sent), { baseDelayMs: 20, maxDelayMs: 50, giveUpAfterMs: 3_600_000, rateLimit: limit });
      cleanups.push(() => outbox.stop());
    });

    const total = 15;
    for (let i = 0; i < total; i++) await writer!.outbox.enqueue({ conversation: ops, key: null, message: text(`ops ${i}`), actors: null, now: clock.now() });
    for (let i = 0; i < 3; i++) await writer!.outbox.enqueue({ conversation: war, key: null, message: text(`war ${i}`), actors: null, now: clock.now() });
    const sentTo = (id: string) => sent.filter((s) => s.conversation === id);

    // Each step waits until the budget's sends are out AND both replicas have since been refused at
    // this instant: both had their chance, so what went out is all they would send.
    const settle = async (expected: number, what: string) => {
      const at = clock.ms();
      await eventually(
        () => ({ sent: sentTo('ch-ops').length, refused: refusals.map((r) => r.get(at) ?? 0) }),
        // Once every message is out there is nothing left to refuse.
        // More than the budget ends the wait at once: the assertion below then says so.
        (s) => s.sent > expected || (s.sent === expected && (expected === total || s.refused.every((n) => n > 0))),
        what,
        15_000,
      );
      expect(sentTo('ch-ops')).toHaveLength(expected);
    };

    await settle(limit.burst, 'the first burst, and both replicas refused after it');
    // Another conversation has a budget of its own.
    await eventually(() => sentTo('ch-war').length, (n) => n === 3, 'the other conversation');
    // 5 per second: one more token every 200 ms, shared by both replicas.
    for (let step = 1; sentTo('ch-ops').length < total; step++) {
      clock.advance(200);
      await settle(Math.min(total, limit.burst + step), `the send after step ${step}`);
    }

    const times = sentTo('ch-ops').map((s) => s.at);
    expect(times.filter((t) => t === T0)).toHaveLength(limit.burst);
    // In any one-second window: at most the burst plus a second's refill (one replica alone allows as much).
    for (const start of times) {
      const inWindow = times.filter((t) => t >= start && t < start + 1_000).length;
      expect(inWindow).toBeLessThanOrEqual(limit.burst + limit.perSecond);
    }
    // After the burst, exactly one send per 200 ms step, whichever replica got the token.
    for (let step = 1; step <= total - limit.burst; step++) expect(times.filter((t) => t === T0 + step * 200)).toHaveLength(1);
    expect(new Set(sentTo('ch-ops').map((s) => s.text)).size).toBe(total);
  });
});
