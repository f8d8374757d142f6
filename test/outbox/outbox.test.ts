/**
 * The outbox worker over a real store (SQLite; PostgreSQL for the replica test), delivering through a
 * scripted ChatDelivery: the seam every chat adapter implements. The Mattermost delivery itself is
 * tested against the Mattermost contract in test/mattermost.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { PermanentDeliveryError, RetryableDeliveryError, type ChatDelivery, type MessageRef, type PostOptions } from '../../src/core/chat.js';
import type { Conversation } from '../../src/core/identity.js';
import type { Message } from '../../src/core/message.js';
import { retryDelayMs } from '../../src/core/outbox/backoff.js';
import { Outbox, type DeliverySettings } from '../../src/core/outbox/outbox.js';
import { RateLimiter } from '../../src/core/outbox/rate-limit.js';
import type { Store } from '../../src/core/store.js';
import { openPostgresStore } from '../../src/store/postgres.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { eventually, memoryLogger, MovableClock } from '../support/app.js';
import { createTestDatabase } from '../support/postgres.js';

const ops: Conversation = { platform: 'mattermost', id: 'ch-ops', name: 'ops' };
const war: Conversation = { platform: 'mattermost', id: 'ch-war' };
const text = (s: string): Message => ({ tone: 'info', blocks: [{ kind: 'text', text: s }] });
const textOf = (m: Message): string => (m.blocks[0]?.kind === 'text' ? m.blocks[0].text : '');

interface Sent {
  readonly kind: 'post' | 'update';
  readonly conversation: string;
  readonly text: string;
  readonly ref: string;
  readonly options: PostOptions;
}

/** A delivery that records what it sent and fails as the test scripts it. */
class ScriptedDelivery implements ChatDelivery {
  readonly platform = 'mattermost' as const;
  readonly sent: Sent[] = [];
  readonly failures: Error[] = [];
  private next = 0;
  blocked: Promise<void> | null = null;
  /** Calls that reached the delivery (counted before waiting on `blocked`). */
  entered = 0;

  async post(conversation: Conversation, message: Message, options: PostOptions = {}): Promise<MessageRef> {
    this.entered += 1;
    await this.blocked;
    const failure = this.failures.shift();
    if (failure !== undefined) throw failure;
    this.next += 1;
    const ref = `p${this.next}`;
    this.sent.push({ kind: 'post', conversation: conversation.id, text: textOf(message), ref, options });
    return { platform: 'mattermost', conversationId: conversation.id, messageId: ref };
  }

  async update(ref: MessageRef, message: Message, options: PostOptions = {}): Promise<void> {
    this.entered += 1;
    await this.blocked;
    const failure = this.failures.shift();
    if (failure !== undefined) throw failure;
    this.sent.push({ kind: 'update', conversation: ref.conversationId, text: textOf(message), ref: ref.messageId, options });
  }
}

const FAST: Partial<DeliverySettings> = { baseDelayMs: 20, maxDelayMs: 50, giveUpAfterMs: 60_000, rateLimit: { perSecond: 1000, burst: 1000 } };

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function sqliteStore(): Promise<Store> {
  const dir = await mkdtemp(join(tmpdir(), 'opsbot-outbox-worker-'));
  const store = await openSqliteStore({ path: join(dir, 'opsbot.db') });
  cleanups.push(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });
  return store;
}

function outboxOn(store: Store, delivery: ChatDelivery, settings: Partial<DeliverySettings> = FAST, owner = 'test/1/a') {
  const logs = memoryLogger();
  const clock = new MovableClock();
  const outbox = new Outbox({ store, clock, logger: logs, owner, pollMs: 50 });
  outbox.register(delivery, settings);
  cleanups.push(() => outbox.stop());
  return { outbox, logs, clock };
}

describe('outbox delivery', () => {
  it('posts a keyed message once, then edits that post; notices are separate posts', async () => {
    const store = await sqliteStore();
    const delivery = new ScriptedDelivery();
    const { outbox } = outboxOn(store, delivery);
    await outbox.enqueue({ conversation: ops, key: 'job:1', message: text('running'), actors: ['u-olga'] });
    await eventually(() => delivery.sent.length, (n) => n === 1, 'the post');
    await outbox.enqueue({ conversation: ops, key: 'job:1', message: text('done') });
    await outbox.notifier().notify(war, text('a notice'));
    await eventually(() => delivery.sent.length, (n) => n === 3, 'the edit and the notice');
    expect(delivery.sent.map((s) => [s.kind, s.conversation, s.text, s.ref])).toEqual(
      expect.arrayContaining([
        ['post', 'ch-ops', 'running', 'p1'],
        ['update', 'ch-ops', 'done', 'p1'],
        ['post', 'ch-war', 'a notice', expect.any(String)],
      ]),
    );
    expect(delivery.sent[0]?.options).toEqual({ actors: ['u-olga'] });
    expect(await store.messageRefs.get('job:1')).toEqual({ platform: 'mattermost', conversationId: 'ch-ops', messageId: 'p1' });
    expect(await store.outbox.count('pending')).toBe(0);
  });

  it('sends only the newest of the edits that piled up while the post was being delivered', async () => {
    const store = await sqliteStore();
    const delivery = new ScriptedDelivery();
    let release!: () => void;
    delivery.blocked = new Promise<void>((resolve) => (release = resolve));
    const { outbox } = outboxOn(store, delivery);
    await outbox.enqueue({ conversation: ops, key: 'job:2', message: text('step 0') });
    await eventually(() => delivery.entered, (n) => n === 1, 'the post being delivered');
    for (let i = 1; i <= 5; i++) await outbox.enqueue({ conversation: ops, key: 'job:2', message: text(`step ${i}`) });
    expect(await store.outbox.count('pending')).toBe(2);
    release();
    await eventually(() => delivery.sent.length, (n) => n === 2, 'post and one edit');
    await eventually(() => store.outbox.count('pending'), (n) => n === 0, 'an empty outbox');
    expect(delivery.sent.map((s) => [s.kind, s.text])).toEqual([
      ['post', 'step 0'],
      ['update', 'step 5'],
    ]);
  });

  it('retries when the platform asks to wait (Retry-After), not before', async () => {
    const store = await sqliteStore();
    const delivery = new ScriptedDelivery();
    delivery.failures.push(new RetryableDeliveryError('HTTP 429', 400));
    const { outbox, logs } = outboxOn(store, delivery);
    const before = Date.now();
    await outbox.enqueue({ conversation: ops, message: text('hello') });
    const [row] = await eventually(() => store.outbox.list('pending', 10), (rows) => rows[0]?.attempts === 1, 'the failed attempt');
    expect(row?.lastError).toBe('HTTP 429');
    expect(row!.notBefore.getTime() - before).toBeGreaterThanOrEqual(400);
    await eventually(() => delivery.sent.length, (n) => n === 1, 'the retry');
    expect(logs.entries.some((e) => e.msg === 'chat delivery failed; will retry')).toBe(true);
  });

  it('keeps retrying through an outage with backoff and delivers when the platform is back', async () => {
    const store = await sqliteStore();
    const delivery = new ScriptedDelivery();
    for (let i = 0; i < 4; i++) delivery.failures.push(new RetryableDeliveryError('connection refused', null));
    const { outbox } = outboxOn(store, delivery);
    await outbox.enqueue({ conversation: ops, key: 'job:3', message: text('final') });
    await eventually(() => delivery.sent.length, (n) => n === 1, 'the delivery after the outage');
    expect(delivery.sent[0]).toMatchObject({ kind: 'post', text: 'final' });
  });

  it('gives up on a permanent refusal, logs it, and lets later messages through', async () => {
    const store = await sqliteStore();
    const delivery = new ScriptedDelivery();
    delivery.failures.push(new PermanentDeliveryError('HTTP 403: not in the channel'));
    const { outbox, logs } = outboxOn(store, delivery);
    await outbox.enqueue({ conversation: ops, message: text('refused') });
    await eventually(() => store.outbox.count('dead'), (n) => n === 1, 'the dead row');
    await outbox.enqueue({ conversation: ops, message: text('next') });
    await eventually(() => delivery.sent.length, (n) => n === 1, 'the next message');
    expect(delivery.sent[0]?.text).toBe('next');
    const [dead] = await store.outbox.list('dead', 10);
    expect(dead).toMatchObject({ lastError: 'HTTP 403: not in the channel', attempts: 1 });
    expect(logs.entries.find((e) => e.level === 'error')?.msg).toBe('chat message given up: the chat platform refused it');
  });

  it('gives up after the retry window', async () => {
    const store = await sqliteStore();
    const delivery = new ScriptedDelivery();
    for (let i = 0; i < 50; i++) delivery.failures.push(new RetryableDeliveryError('HTTP 503', null));
    const { outbox } = outboxOn(store, delivery, { ...FAST, giveUpAfterMs: 100 });
    await outbox.enqueue({ conversation: ops, message: text('doomed') });
    const [dead] = await eventually(() => store.outbox.list('dead', 10), (rows) => rows.length === 1, 'the given-up row');
    expect(dead?.lastError).toMatch(/^gave up after \d+ attempts: HTTP 503$/);
  });

  it('treats an unexpected error as temporary', async () => {
    const store = await sqliteStore();
    const delivery = new ScriptedDelivery();
    delivery.failures.push(new Error('bug in a renderer'));
    const { outbox, logs } = outboxOn(store, delivery);
    await outbox.enqueue({ conversation: ops, message: text('x') });
    await eventually(() => delivery.sent.length, (n) => n === 1, 'the retry');
    expect(logs.entries.some((e) => e.msg === 'chat delivery failed unexpectedly; treating it as temporary')).toBe(true);
  });

  it('limits each conversation to its rate, without holding up the others', async () => {
    const store = await sqliteStore();
    const delivery = new ScriptedDelivery();
    // Two requests at once, then practically none: the rest must wait in the store.
    const { outbox } = outboxOn(store, delivery, { ...FAST, rateLimit: { perSecond: 0.001, burst: 2 } });
    for (let i = 1; i <= 5; i++) await outbox.enqueue({ conversation: ops, message: text(`ops ${i}`) });
    await outbox.enqueue({ conversation: war, message: text('war 1') });
    await eventually(() => delivery.sent.length, (n) => n === 3, 'the allowed deliveries');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(delivery.sent.map((s) => s.text).sort()).toEqual(['ops 1', 'ops 2', 'war 1']);
    expect(await store.outbox.count('pending')).toBe(3);
  });

  it('stops reading the store while only rate-limited conversations have rows, and wakes for another conversation', async () => {
    const store = await sqliteStore();
    const dueCalls: (readonly string[])[] = [];
    const counted: Store = {
      ...store,
      outbox: {
        ...store.outbox,
        due: (platforms, now, limit, skip = []) => {
          dueCalls.push(skip);
          return store.outbox.due(platforms, now, limit, skip);
        },
      },
    };
    const delivery = new ScriptedDelivery();
    // A long poll: anything delivered below came from a wake, not from the poll.
    const outbox = new Outbox({ store: counted, clock: new MovableClock(), logger: memoryLogger(), owner: 'test/1/a', pollMs: 30_000 });
    outbox.register(delivery, { ...FAST, rateLimit: { perSecond: 0.001, burst: 2 } });
    cleanups.push(() => outbox.stop());
    for (let i = 1; i <= 5; i++) await outbox.enqueue({ conversation: ops, message: text(`ops ${i}`) });
    await eventually(() => delivery.sent.length, (n) => n === 2, 'the allowed deliveries');
    // One look that skips the limited conversation finds nothing else: from then on, no more looks.
    await eventually(() => dueCalls.filter((skip) => skip.includes('mattermost:ch-ops')).length, (n) => n >= 1, 'a look past the limited conversation');
    const settled = dueCalls.length;
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(dueCalls.length).toBe(settled);

    await outbox.enqueue({ conversation: war, message: text('war 1') });
    await eventually(() => delivery.sent.map((s) => s.text), (texts) => texts.includes('war 1'), 'the other conversation, long before the poll');
    // Another message into the limited conversation does not end the quiet: it waits for a token.
    const afterWar = dueCalls.length;
    await outbox.enqueue({ conversation: ops, message: text('ops 6') });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(dueCalls.length - afterWar).toBeLessThanOrEqual(1);
    expect(delivery.sent.map((s) => s.text).sort()).toEqual(['ops 1', 'ops 2', 'war 1']);
  });

  it('does not trust an empty look when a message for another conversation was queued during it', async () => {
    const store = await sqliteStore();
    let outbox: Outbox | null = null;
    let raced = false;
    const racing: Store = {
      ...store,
      outbox: {
        ...store.outbox,
        due: async (platforms, now, limit, skip = []) => {
          const rows = await store.outbox.due(platforms, now, limit, skip);
          if (skip.length > 0 && !raced) {
            // The answer is already read; the war room's message lands before the pass sees it.
            raced = true;
            await outbox?.enqueue({ conversation: war, message: text('war 1') });
          }
          return rows;
        },
      },
    };
    const delivery = new ScriptedDelivery();
    outbox = new Outbox({ store: racing, clock: new MovableClock(), logger: memoryLogger(), owner: 'test/1/a', pollMs: 30_000 });
    outbox.register(delivery, { ...FAST, rateLimit: { perSecond: 0.001, burst: 1 } });
    cleanups.push(() => outbox.stop());
    for (let i = 1; i <= 3; i++) await outbox.enqueue({ conversation: ops, message: text(`ops ${i}`) });
    await eventually(() => delivery.sent.map((s) => s.text), (texts) => texts.includes('war 1'), 'the message queued during the look, long before the poll');
    expect(raced).toBe(true);
  });

  it('delivers what a stopped outbox left behind when the next one starts', async () => {
    const store = await sqliteStore();
    const first = outboxOn(store, new ScriptedDelivery(), { ...FAST, rateLimit: { perSecond: 0.001, burst: 0 } });
    await first.outbox.enqueue({ conversation: ops, key: 'job:9', message: text('left behind') });
    await first.outbox.stop();
    expect(await store.outbox.count('pending')).toBe(1);
    const delivery = new ScriptedDelivery();
    outboxOn(store, delivery, FAST, 'test/2/b');
    await eventually(() => delivery.sent.length, (n) => n === 1, 'the delivery after restart');
    expect(delivery.sent[0]).toMatchObject({ kind: 'post', text: 'left behind' });
  });

  it('never delivers a row twice with several replicas on one PostgreSQL', async () => {
    const db = await createTestDatabase(inject('postgresUrl'));
    const stores = [await openPostgresStore({ url: db.url, poolSize: 4 }), await openPostgresStore({ url: db.url, poolSize: 4 }), await openPostgresStore({ url: db.url, poolSize: 4 })];
    cleanups.push(async () => {
      for (const s of stores) await s.close();
      await db.drop();
    });
    const delivery = new ScriptedDelivery();
    stores.forEach((s, i) => outboxOn(s, delivery, FAST, `replica-${i}/1/x`));
    const writer = stores[0]!;
    for (let i = 0; i < 60; i++) {
      await writer.outbox.enqueue({ conversation: i % 2 === 0 ? ops : war, key: null, message: text(`m${i}`), actors: null, now: new Date() });
    }
    await eventually(() => writer.outbox.count('pending'), (n) => n === 0, 'every row delivered', 20_000);
    const texts = delivery.sent.map((s) => s.text).sort();
    expect(texts).toEqual(Array.from({ length: 60 }, (_, i) => `m${i}`).sort());
  });
});

describe('backoff and rate limits', () => {
  const settings = { baseDelayMs: 1_000, maxDelayMs: 60_000 };

  it('grows exponentially with jitter, up to the maximum', () => {
    expect(retryDelayMs(1, settings, null, () => 0)).toBe(500);
    expect(retryDelayMs(1, settings, null, () => 1)).toBe(1_000);
    expect(retryDelayMs(3, settings, null, () => 1)).toBe(4_000);
    expect(retryDelayMs(3, settings, null, () => 0)).toBe(2_000);
    expect(retryDelayMs(20, settings, null, () => 1)).toBe(60_000);
  });

  it('uses the wait the server asked for', () => {
    expect(retryDelayMs(7, settings, 3_000, () => 0)).toBe(3_000);
    expect(retryDelayMs(7, settings, 3_000, () => 1)).toBe(3_250);
  });

  it('gives each conversation a bucket that refills at the rate', () => {
    const limiter = new RateLimiter({ perSecond: 10, burst: 2 });
    expect(limiter.take('a', 0)).toBe(0);
    expect(limiter.take('a', 0)).toBe(0);
    expect(limiter.take('a', 0)).toBe(100);
    expect(limiter.take('b', 0)).toBe(0);
    expect(limiter.take('a', 100)).toBe(0);
    expect(limiter.take('a', 100)).toBe(100);
  });
});
