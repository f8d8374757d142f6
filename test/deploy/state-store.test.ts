/** The DeployStateStore (migration 0004) on both engines: SQLite and a real PostgreSQL. */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import type { Store } from '../../src/core/store.js';
import { openPostgresStore } from '../../src/store/postgres.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { createTestDatabase } from '../support/postgres.js';
import { removeDir, tempDir } from './support/servers.js';

interface Opened {
  readonly store: Store;
  dispose(): Promise<void>;
}

const engines: { name: string; open(): Promise<Opened> }[] = [
  {
    name: 'sqlite',
    async open() {
      const dir = tempDir('opsbot-state-');
      const store = await openSqliteStore({ path: join(dir, 'opsbot.db') });
      return { store, dispose: () => Promise.resolve(removeDir(dir)) };
    },
  },
  {
    name: 'postgres',
    async open() {
      const db = await createTestDatabase(inject('postgresUrl'));
      const store = await openPostgresStore({ url: db.url, poolSize: 4 });
      return { store, dispose: () => db.drop() };
    },
  },
];

const t = (s: number) => new Date(Date.UTC(2026, 10, 22, 20, 0, s));

describe.each(engines)('deploy state on $name', (engine) => {
  let opened: Opened;
  beforeEach(async () => {
    opened = await engine.open();
  });
  afterEach(async () => {
    await opened.store.close();
    await opened.dispose();
  });

  it('records versions per colour and switches, and reads them back', async () => {
    const state = opened.store.deployState;
    expect(await state.get('store-pl')).toBeNull();
    await state.recordVersion('store-pl', 'green', '1.4.2', t(1), 7);
    await state.recordSwitch('store-pl', 'green', 'blue', t(2), 7, false);
    await state.recordVersion('store-pl', 'blue', '1.4.3', t(3), 8);
    expect(await state.get('store-pl')).toEqual({
      store: 'store-pl',
      live: 'green',
      previous: 'blue',
      versions: { blue: '1.4.3', green: '1.4.2' },
      deployedAt: { blue: t(3), green: t(1) },
      switchedAt: t(2),
      rolledBack: false,
      jobId: 8,
    });
    await state.recordSwitch('demo', 'blue', null, t(4), null, false);
    expect((await state.list()).map((s) => [s.store, s.live])).toEqual([
      ['demo', 'blue'],
      ['store-pl', 'green'],
    ]);
    // A rollback is remembered until the next switch that is not one.
    await state.recordSwitch('store-pl', 'blue', 'green', t(5), 9, true);
    expect(await state.get('store-pl')).toMatchObject({ live: 'blue', previous: 'green', rolledBack: true, switchedAt: t(5) });
    await state.recordSwitch('store-pl', 'green', 'blue', t(6), 10, false);
    expect((await state.get('store-pl'))?.rolledBack).toBe(false);
  });

  it('keeps one open approval per store, decided once', async () => {
    const state = opened.store.deployState;
    const request = { store: 'store-pl', jobId: 11, requester: 'mattermost:u-olga', requesterName: 'Olga', onBehalfOf: 'mattermost:u-lena', summary: 'deploy 1.4.2 to store-pl/green', requestedAt: t(0), expiresAt: t(600) };
    await state.requestApproval(request);
    await state.requestApproval({ ...request, jobId: 12, requestedAt: t(5), onBehalfOf: null });
    expect(await state.pendingApproval('store-pl', t(10))).toEqual({ ...request, jobId: 12, requestedAt: t(5), onBehalfOf: null });
    expect(await state.pendingApproval('store-pl', t(601))).toBeNull();
    expect(await state.approvalDecision(12)).toBeNull();
    const decision = { decision: 'approved' as const, by: 'mattermost:u-piotr', byName: 'Piotr', at: t(20) };
    expect(await state.decideApproval('store-pl', 12, decision)).toBe(true);
    expect(await state.decideApproval('store-pl', 12, { ...decision, decision: 'rejected' })).toBe(false);
    expect(await state.approvalDecision(12)).toEqual(decision);
    expect(await state.pendingApproval('store-pl', t(30))).toBeNull();
  });
});
