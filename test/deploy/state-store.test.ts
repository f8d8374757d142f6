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
      switching: null,
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

  it('keeps a switch pending from its start until it is recorded or cleared (migration 0016)', async () => {
    const state = opened.store.deployState;
    // A first deploy's switch, before any row exists.
    await state.beginSwitch('fresh', { from: null, to: 'blue', jobId: 5, rollback: false, at: t(1) });
    expect(await state.get('fresh')).toMatchObject({ live: null, switching: { from: null, to: 'blue', jobId: 5, rollback: false, at: t(1) } });
    await state.recordSwitch('fresh', 'blue', null, t(2), 5, false);
    expect(await state.get('fresh')).toMatchObject({ live: 'blue', switching: null });

    await state.beginSwitch('fresh', { from: 'blue', to: 'green', jobId: 6, rollback: true, at: t(3) });
    // Beginning a switch changes nothing the record says about traffic.
    expect(await state.get('fresh')).toMatchObject({ live: 'blue', jobId: 5, switchedAt: t(2), switching: { from: 'blue', to: 'green', jobId: 6, rollback: true, at: t(3) } });
    await state.clearSwitch('fresh');
    expect(await state.get('fresh')).toMatchObject({ live: 'blue', jobId: 5, switching: null });
  });

  it('closes the approval of a deploy that ended while it waited (opsbot died, recovery marked it interrupted)', async () => {
    const { store } = opened;
    const olga = { platform: 'mattermost' as const, id: 'u-olga', name: 'Olga' };
    const ops = { platform: 'mattermost' as const, id: 'ops' };
    const begun = await store.jobs.begin(
      { command: 'deploy', text: 'deploy store-pl green', args: { store: 'store-pl' }, principal: olga, conversation: ops, lockKey: 'store-pl', dryRun: false, owner: 'h/1/x', timeoutMs: 600_000, now: t(0) },
      { at: t(0), event: 'job_started', principal: olga, conversation: ops, command: 'deploy', args: {}, permission: 'deploy:store-pl', jobId: null, outcome: null, detail: null, refs: {} },
      { lock: { key: 'store-pl', ttlMs: 60_000 }, queueIfLocked: false },
    );
    if (!begun.ok) throw new Error('could not begin the job');
    const id = begun.job.id;
    await store.deployState.requestApproval({ store: 'store-pl', jobId: id, requester: 'mattermost:u-olga', requesterName: 'Olga', onBehalfOf: null, summary: 'deploy 1.5.0 to store-pl/green', requestedAt: t(1), expiresAt: t(600) });
    expect((await store.deployState.pendingApproval('store-pl', t(2)))?.jobId).toBe(id);

    await store.jobs.finish(
      id,
      { state: 'interrupted', summary: null, error: 'opsbot stopped', output: '', refs: {}, now: t(3) },
      { at: t(3), event: 'job_finished', principal: olga, conversation: ops, command: 'deploy', args: {}, permission: null, jobId: id, outcome: 'interrupted', detail: null, refs: {} },
    );
    expect(await store.deployState.pendingApproval('store-pl', t(4))).toBeNull();
    expect(await store.deployState.decideApproval('store-pl', id, { decision: 'approved', by: 'mattermost:u-piotr', byName: 'Piotr', at: t(4) })).toBe(false);
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
