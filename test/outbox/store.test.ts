/**
 * The outbox, message-ref and nonce stores (migration 0002), run against both engines: a fresh
 * SQLite file or a fresh PostgreSQL database per test.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import type { Conversation } from '../../src/core/identity.js';
import type { Message } from '../../src/core/message.js';
import type { Store } from '../../src/core/store.js';
import { openPostgresStore } from '../../src/store/postgres.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { createTestDatabase } from '../support/postgres.js';

interface Opened {
  readonly store: Store;
  readonly replica: (() => Promise<Store>) | null;
  dispose(): Promise<void>;
}

const engines: { name: 'sqlite' | 'postgres'; open(): Promise<Opened> }[] = [
  {
    name: 'sqlite',
    async open() {
      const dir = await mkdtemp(join(tmpdir(), 'opsbot-outbox-'));
      const store = await openSqliteStore({ path: join(dir, 'opsbot.db') });
      return { store, replica: null, dispose: () => rm(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'postgres',
    async open() {
      const db = await createTestDatabase(inject('postgresUrl'));
      const store = await openPostgresStore({ url: db.url, poolSize: 8 });
      return { store, replica: () => openPostgresStore({ url: db.url, poolSize: 8 }), dispose: () => db.drop() };
    },
  },
];

const T0 = Date.UTC(2025, 0, 15, 10, 0, 0);
const t = (seconds: number): Date => new Date(T0 + seconds * 1000);
const ops: Conversation = { platform: 'mattermost', id: 'ch-ops', threadId: 'root-1', name: 'ops' };
const war: Conversation = { platform: 'mattermost', id: 'ch-war' };
const text = (s: string): Message => ({ tone: 'info', blocks: [{ kind: 'text', text: s }] });

describe.each(engines)('$name outbox store', (engine) => {
  let opened: Opened;
  let store: Store;
  const extra: Store[] = [];

  beforeEach(async () => {
    opened = await engine.open();
    store = opened.store;
  });

  afterEach(async () => {
    for (const s of extra.splice(0)) await s.close();
    await store.close();
    await opened.dispose();
  });

  it('round-trips an entry and removes it once delivered', async () => {
    const message: Message = { title: 'T', tone: 'success', blocks: [{ kind: 'fields', fields: [{ label: 'a', value: 'zażółć "q"', short: true }] }], actions: [{ id: 'c', label: 'Cancel', command: 'cancel 1' }] };
    const { id, coalesced } = await store.outbox.enqueue({ conversation: ops, key: null, message, actors: ['u1', 'u2'], now: t(0) });
    expect(coalesced).toBe(false);
    const due = await store.outbox.due(['mattermost'], t(0), 10);
    expect(due).toEqual([{ id, conversation: ops, key: null, message, actors: ['u1', 'u2'], state: 'pending', attempts: 0, notBefore: t(0), createdAt: t(0), lastError: null }]);
    expect(await store.outbox.due(['teams'], t(0), 10)).toEqual([]);
    expect(await store.outbox.due([], t(0), 10)).toEqual([]);
    const claimed = await store.outbox.claim(id, 'me', t(1), 60_000);
    expect(claimed?.id).toBe(id);
    await store.outbox.complete(id, 'me');
    expect(await store.outbox.count('pending')).toBe(0);
  });

  it('leases a row to one worker until the lease ends', async () => {
    const { id } = await store.outbox.enqueue({ conversation: ops, key: null, message: text('x'), actors: null, now: t(0) });
    expect(await store.outbox.claim(id, 'a', t(0), 10_000)).not.toBeNull();
    expect(await store.outbox.claim(id, 'b', t(5), 10_000)).toBeNull();
    expect(await store.outbox.due(['mattermost'], t(5), 10)).toEqual([]);
    // b may not complete a row it does not hold.
    await store.outbox.complete(id, 'b');
    expect(await store.outbox.count('pending')).toBe(1);
    // a's lease ran out (a crashed): b takes it over.
    expect((await store.outbox.due(['mattermost'], t(11), 10)).map((e) => e.id)).toEqual([id]);
    expect(await store.outbox.claim(id, 'b', t(11), 10_000)).not.toBeNull();
    await store.outbox.complete(id, 'b');
    expect(await store.outbox.count('pending')).toBe(0);
  });

  it('coalesces edits of one key while nobody delivers them, and keeps a post before its edits', async () => {
    const first = await store.outbox.enqueue({ conversation: ops, key: 'job:1', message: text('v1'), actors: null, now: t(0) });
    const second = await store.outbox.enqueue({ conversation: ops, key: 'job:1', message: text('v2'), actors: ['u9'], now: t(1) });
    expect(second).toEqual({ id: first.id, coalesced: true });
    const [only] = await store.outbox.due(['mattermost'], t(1), 10);
    expect(only).toMatchObject({ id: first.id, message: text('v2'), actors: ['u9'], createdAt: t(0) });

    // Being delivered: a new edit must not touch it, it waits behind it instead.
    await store.outbox.claim(first.id, 'w', t(2), 60_000);
    const third = await store.outbox.enqueue({ conversation: ops, key: 'job:1', message: text('v3'), actors: null, now: t(3) });
    expect(third.coalesced).toBe(false);
    const fourth = await store.outbox.enqueue({ conversation: ops, key: 'job:1', message: text('v4'), actors: null, now: t(4) });
    expect(fourth).toEqual({ id: third.id, coalesced: true });
    expect(await store.outbox.due(['mattermost'], t(5), 10)).toEqual([]);
    // Other keys and unkeyed notices are not held up.
    const other = await store.outbox.enqueue({ conversation: war, key: 'job:2', message: text('other'), actors: null, now: t(5) });
    expect((await store.outbox.due(['mattermost'], t(5), 10)).map((e) => e.id)).toEqual([other.id]);

    await store.outbox.complete(first.id, 'w');
    const next = await store.outbox.due(['mattermost'], t(6), 10);
    expect(next.map((e) => [e.id, e.message])).toEqual([
      [third.id, text('v4')],
      [other.id, text('other')],
    ]);
  });

  it('leaves out conversations at their rate limit, so they cannot crowd out the others', async () => {
    for (let i = 0; i < 5; i++) await store.outbox.enqueue({ conversation: ops, key: null, message: text(`ops ${i}`), actors: null, now: t(0) });
    const other = await store.outbox.enqueue({ conversation: war, key: null, message: text('war'), actors: null, now: t(0) });
    expect((await store.outbox.due(['mattermost'], t(1), 3)).map((e) => e.conversation.id)).toEqual(['ch-ops', 'ch-ops', 'ch-ops']);
    expect((await store.outbox.due(['mattermost'], t(1), 3, ['mattermost:ch-ops'])).map((e) => e.id)).toEqual([other.id]);
  });

  it('adds a row without looking for one to merge when told the key is new', async () => {
    const first = await store.outbox.enqueue({ conversation: ops, key: 'job:5', message: text('a'), actors: null, now: t(0) });
    const second = await store.outbox.enqueue({ conversation: ops, key: 'job:5', message: text('b'), actors: null, now: t(1), coalesce: false });
    expect(second.coalesced).toBe(false);
    expect(second.id).not.toBe(first.id);
    // Still delivered in order: the older row first.
    expect((await store.outbox.due(['mattermost'], t(2), 10)).map((e) => e.id)).toEqual([first.id]);
  });

  it('reschedules a failed delivery, or drops it when newer content of its key is waiting', async () => {
    const a = await store.outbox.enqueue({ conversation: ops, key: null, message: text('notice'), actors: null, now: t(0) });
    await store.outbox.claim(a.id, 'w', t(0), 60_000);
    expect(await store.outbox.retry(a.id, 'w', t(30), 'HTTP 503')).toBe('rescheduled');
    expect(await store.outbox.due(['mattermost'], t(29), 10)).toEqual([]);
    expect(await store.outbox.nextDue(['mattermost'])).toEqual(t(30));
    const [again] = await store.outbox.due(['mattermost'], t(30), 10);
    expect(again).toMatchObject({ id: a.id, attempts: 1, notBefore: t(30), lastError: 'HTTP 503' });

    const k1 = await store.outbox.enqueue({ conversation: ops, key: 'job:7', message: text('old'), actors: null, now: t(0) });
    await store.outbox.claim(k1.id, 'w', t(1), 60_000);
    const k2 = await store.outbox.enqueue({ conversation: ops, key: 'job:7', message: text('new'), actors: null, now: t(2) });
    expect(await store.outbox.retry(k1.id, 'w', t(60), 'HTTP 429')).toBe('superseded');
    const pending = await store.outbox.list('pending', 10);
    expect(pending.map((e) => e.id)).toEqual([a.id, k2.id]);
  });

  it('keeps given-up entries as dead, out of the way of later ones', async () => {
    const a = await store.outbox.enqueue({ conversation: ops, key: 'job:3', message: text('post'), actors: null, now: t(0) });
    await store.outbox.claim(a.id, 'w', t(0), 60_000);
    const b = await store.outbox.enqueue({ conversation: ops, key: 'job:3', message: text('edit'), actors: null, now: t(1) });
    await store.outbox.fail(a.id, 'w', 'HTTP 403: not a member of the channel');
    expect(await store.outbox.count('dead')).toBe(1);
    expect(await store.outbox.list('dead', 10)).toMatchObject([{ id: a.id, state: 'dead', attempts: 1, lastError: 'HTTP 403: not a member of the channel' }]);
    expect((await store.outbox.due(['mattermost'], t(2), 10)).map((e) => e.id)).toEqual([b.id]);
  });

  it('reports the next due time, counting leases', async () => {
    expect(await store.outbox.nextDue(['mattermost'])).toBeNull();
    const a = await store.outbox.enqueue({ conversation: ops, key: null, message: text('a'), actors: null, now: t(10) });
    await store.outbox.claim(a.id, 'w', t(10), 20_000);
    expect(await store.outbox.nextDue(['mattermost'])).toEqual(t(30));
    await store.outbox.enqueue({ conversation: ops, key: null, message: text('b'), actors: null, now: t(15) });
    expect(await store.outbox.nextDue(['mattermost'])).toEqual(t(15));
    expect(await store.outbox.nextDue(['teams'])).toBeNull();
  });

  it('reports the time of a row held back by any older row of its conversation, not its own', async () => {
    const a = await store.outbox.enqueue({ conversation: ops, key: null, message: text('a'), actors: null, now: t(10) });
    const b = await store.outbox.enqueue({ conversation: ops, key: null, message: text('b'), actors: null, now: t(11) });
    await store.outbox.enqueue({ conversation: ops, key: null, message: text('c'), actors: null, now: t(12) });
    await store.outbox.enqueue({ conversation: ops, key: null, message: text('d'), actors: null, now: t(13) });
    // b waits for its retry at 50; c and d, behind it, cannot go before it whatever their own times.
    await store.outbox.claim(b.id, 'w', t(14), 60_000);
    expect(await store.outbox.retry(b.id, 'w', t(50), 'HTTP 503')).toBe('rescheduled');
    expect(await store.outbox.nextDue(['mattermost'])).toEqual(t(10));
    await store.outbox.claim(a.id, 'w', t(15), 60_000);
    await store.outbox.complete(a.id, 'w');
    expect(await store.outbox.nextDue(['mattermost'])).toEqual(t(50));
    // Another conversation is not held back by this one's retry.
    await store.outbox.enqueue({ conversation: war, key: null, message: text('war'), actors: null, now: t(20) });
    expect(await store.outbox.nextDue(['mattermost'])).toEqual(t(20));
  });

  it('keeps message refs by key and replaces them', async () => {
    expect(await store.messageRefs.get('job:1')).toBeNull();
    await store.messageRefs.put('job:1', { platform: 'mattermost', conversationId: 'ch-ops', messageId: 'p1' }, t(0));
    expect(await store.messageRefs.get('job:1')).toStrictEqual({ platform: 'mattermost', conversationId: 'ch-ops', messageId: 'p1' });
    await store.messageRefs.put('job:1', { platform: 'mattermost', conversationId: 'ch-ops', messageId: 'p2', extra: { responseUrl: 'https://mm/hooks/commands/x' } }, t(1));
    expect(await store.messageRefs.get('job:1')).toStrictEqual({ platform: 'mattermost', conversationId: 'ch-ops', messageId: 'p2', extra: { responseUrl: 'https://mm/hooks/commands/x' } });
  });

  it('accepts a nonce once, and again only after it expired', async () => {
    expect(await store.nonces.use('n1', t(60), t(0))).toBe(true);
    expect(await store.nonces.use('n1', t(60), t(30))).toBe(false);
    expect(await store.nonces.use('n2', t(60), t(30))).toBe(true);
    expect(await store.nonces.use('n1', t(120), t(61))).toBe(true);
  });

  it('lets concurrent workers on one database claim each row exactly once', async () => {
    if (opened.replica === null) return; // one SQLite connection is one replica
    const other = await opened.replica();
    extra.push(other);
    const ids: number[] = [];
    for (let i = 0; i < 40; i++) ids.push((await store.outbox.enqueue({ conversation: ops, key: null, message: text(`m${i}`), actors: null, now: t(0) })).id);
    const race = async (s: Store, owner: string): Promise<number[]> => {
      const won: number[] = [];
      for (const id of ids) if ((await s.outbox.claim(id, owner, t(1), 60_000)) !== null) won.push(id);
      return won;
    };
    const [a, b] = await Promise.all([race(store, 'a'), race(other, 'b'), race(store, 'c')]).then(([x, y, z]) => [[...x, ...z], y] as const);
    expect([...a, ...b].sort((x, y) => x - y)).toEqual(ids);
  });
});
