/** The scaling records (migration 0007) on both engines. */
import { afterEach, describe, expect, inject, it } from 'vitest';
import type { Store } from '../../src/core/store.js';
import { openPostgresStore } from '../../src/store/postgres.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { createTestDatabase } from '../support/postgres.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const engines: [string, () => Promise<Store>][] = [
  ['sqlite', async () => openSqliteStore({ path: ':memory:' })],
  [
    'postgres',
    async () => {
      const db = await createTestDatabase(inject('postgresUrl'));
      cleanups.push(() => db.drop());
      return openPostgresStore({ url: db.url, poolSize: 2 });
    },
  ],
];

describe.each(engines)('scaling records on %s', (_engine, open) => {
  it('keeps scalings and returns the newest one per service and environment', async () => {
    const store = await open();
    cleanups.push(() => store.close());
    expect(await store.scaling.last('web', 'prod')).toBeNull();
    const t = (s: number) => new Date(Date.UTC(2026, 0, 15, 10, 0, s));
    await store.scaling.record({ service: 'web', env: 'prod', at: t(0), from: 2, to: 4, jobId: 7, by: 'Olga' });
    await store.scaling.record({ service: 'web', env: 'prod', at: t(30), from: 4, to: 8, jobId: 9, by: 'Oscar' });
    await store.scaling.record({ service: 'web', env: 'staging', at: t(45), from: 1, to: 0, jobId: null, by: 'Olga' });
    await store.scaling.record({ service: 'api', env: 'prod', at: t(50), from: 3, to: 3, jobId: 10, by: 'Olga' });

    expect(await store.scaling.last('web', 'prod')).toEqual({ service: 'web', env: 'prod', at: t(30), from: 4, to: 8, jobId: 9, by: 'Oscar' });
    expect(await store.scaling.last('web', 'staging')).toEqual({ service: 'web', env: 'staging', at: t(45), from: 1, to: 0, jobId: null, by: 'Olga' });
    expect(await store.scaling.last('api', 'staging')).toBeNull();
  });

  it('keeps a scaling asked of the orchestrator as pending until it is confirmed, or removes it when it did not happen', async () => {
    const store = await open();
    cleanups.push(() => store.close());
    const t = (s: number) => new Date(Date.UTC(2026, 0, 15, 10, 0, s));
    await store.scaling.record({ service: 'web', env: 'prod', at: t(0), from: 2, to: 4, jobId: 7, by: 'Olga', pending: true });
    expect(await store.scaling.last('web', 'prod')).toEqual({ service: 'web', env: 'prod', at: t(0), from: 2, to: 4, jobId: 7, by: 'Olga', pending: true });
    expect(await store.scaling.ofJob(7)).toMatchObject({ to: 4, pending: true });
    await store.scaling.settle(7, true);
    expect(await store.scaling.ofJob(7)).toEqual({ service: 'web', env: 'prod', at: t(0), from: 2, to: 4, jobId: 7, by: 'Olga' });

    await store.scaling.record({ service: 'web', env: 'prod', at: t(90), from: 4, to: 8, jobId: 9, by: 'Oscar', pending: true });
    await store.scaling.settle(9, false);
    expect(await store.scaling.ofJob(9)).toBeNull();
    // Settling one job never touches another's record.
    expect(await store.scaling.last('web', 'prod')).toMatchObject({ jobId: 7, to: 4 });
  });
});
