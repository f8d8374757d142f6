/**
 * The ConversationRefStore (migration 0006) on both engines: upsert, lookup, removal one by one and
 * by team, and a name that survives events that do not carry one.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import type { ConversationRef, Store } from '../../src/core/store.js';
import { openPostgresStore } from '../../src/store/postgres.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { createTestDatabase } from '../support/postgres.js';

interface Opened {
  readonly store: Store;
  dispose(): Promise<void>;
}

const engines: { name: 'sqlite' | 'postgres'; open(): Promise<Opened> }[] = [
  {
    name: 'sqlite',
    async open() {
      const dir = await mkdtemp(join(tmpdir(), 'opsbot-teams-refs-'));
      const store = await openSqliteStore({ path: join(dir, 'opsbot.db') });
      return { store, dispose: () => rm(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'postgres',
    async open() {
      const db = await createTestDatabase(inject('postgresUrl'));
      const store = await openPostgresStore({ url: db.url, poolSize: 2 });
      return { store, dispose: () => db.drop() };
    },
  },
];

const T0 = Date.UTC(2026, 0, 15, 10, 0, 0);

function ref(overrides: Partial<ConversationRef> = {}): ConversationRef {
  return {
    platform: 'teams',
    conversationId: '19:ops@thread.tacv2',
    address: { serviceUrl: 'https://smba.trafficmanager.net/emea/', botId: '28:bot', tenantId: '72f988bf-0000-4000-8000-0000000000aa', conversationType: 'channel' },
    groupId: '19:team@thread.tacv2',
    name: 'ops',
    updatedAt: new Date(T0),
    ...overrides,
  };
}

describe.each(engines)('$name conversation refs', (engine) => {
  let opened: Opened;
  let store: Store;

  beforeEach(async () => {
    opened = await engine.open();
    store = opened.store;
  });

  afterEach(async () => {
    await store.close();
    await opened.dispose();
  });

  it('saves, reads back every field, and replaces on a second save', async () => {
    await store.conversationRefs.save(ref());
    expect(await store.conversationRefs.get('teams', '19:ops@thread.tacv2')).toEqual(ref());
    const moved = ref({ address: { serviceUrl: 'https://smba.trafficmanager.net/amer/', botId: '28:bot' }, groupId: null, name: null, updatedAt: new Date(T0 + 60_000) });
    await store.conversationRefs.save(moved);
    // A later event without a name keeps the name an earlier one gave.
    expect(await store.conversationRefs.get('teams', '19:ops@thread.tacv2')).toEqual({ ...moved, name: 'ops' });
    expect(await store.conversationRefs.list('teams')).toHaveLength(1);
  });

  it('answers null for a conversation it never saw, and keeps platforms apart', async () => {
    await store.conversationRefs.save(ref());
    expect(await store.conversationRefs.get('teams', '19:other@thread.tacv2')).toBeNull();
    expect(await store.conversationRefs.get('mattermost', '19:ops@thread.tacv2')).toBeNull();
    expect(await store.conversationRefs.list('mattermost')).toEqual([]);
  });

  it('removes one conversation, or every conversation of a team', async () => {
    await store.conversationRefs.save(ref());
    await store.conversationRefs.save(ref({ conversationId: '19:dev@thread.tacv2', name: 'dev' }));
    await store.conversationRefs.save(ref({ conversationId: 'a:personal', groupId: null, name: null }));
    expect(await store.conversationRefs.remove('teams', 'a:personal')).toBe(true);
    expect(await store.conversationRefs.remove('teams', 'a:personal')).toBe(false);
    expect(await store.conversationRefs.removeGroup('teams', '19:team@thread.tacv2')).toBe(2);
    expect(await store.conversationRefs.list('teams')).toEqual([]);
  });
});
