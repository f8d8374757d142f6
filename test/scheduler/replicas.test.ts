/**
 * Three scheduler instances, each with its own connection pool, on one real PostgreSQL database:
 * every tick fires once. The replicas' clocks disagree by up to a minute and they tick concurrently;
 * only the unique claim row decides who fires.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Store } from '../../src/core/store.js';
import { openPostgresStore } from '../../src/store/postgres.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { ManualClock } from './engines.js';
import { announcement, HOUR, MINUTE, RecordingNotifier, scheduler } from './support.js';

describe('three replicas on one PostgreSQL', () => {
  let db: TestDatabase;
  const stores: Store[] = [];

  beforeAll(async () => {
    db = await createTestDatabase(inject('postgresUrl'));
    for (let i = 0; i < 3; i++) stores.push(await openPostgresStore({ url: db.url, poolSize: 4 }));
  });

  afterAll(async () => {
    for (const s of stores.splice(0)) await s.close();
    await db.drop();
  });

  it('fire each tick of an hourly and a nightly schedule exactly once', async () => {
    const start = new Date('2025-03-28T00:00:00Z');
    const end = new Date('2025-04-02T00:00:00Z'); // across the spring-forward night
    const [a, b, c] = stores;
    if (a === undefined || b === undefined || c === undefined) throw new Error('three stores expected');
    // Every replica upserts the config at boot; the store keeps one copy.
    const config = [announcement('hourly', '0 * * * *', 'UTC', 'ch-hourly', start), announcement('nightly', '30 1 * * *', 'Europe/Warsaw', 'ch-nightly', start)];
    await Promise.all(stores.map((s) => s.schedules.syncConfig(config, start)));

    const notifier = new RecordingNotifier();
    const skews = [0, 40_000, -55_000];
    const clocks = skews.map(() => new ManualClock(start));
    const replicas = stores.map((s, i) => scheduler(s, clocks[i] ?? new ManualClock(start), notifier, { owner: `replica-${i}/1/x`, settings: { tickMs: 20 * MINUTE, graceMs: HOUR } }));

    for (let t = start.getTime(); t < end.getTime(); t += 20 * MINUTE) {
      await Promise.all(
        replicas.map((r, i) => {
          const now = new Date(t + (skews[i] ?? 0));
          clocks[i]?.set(now);
          return r.tick(now);
        }),
      );
    }
    await Promise.all(replicas.map((r) => r.settled()));

    // Hourly ticks after the start (the cursor) up to the last pass: 01:00 on the first day to 23:00 on the last.
    const hours = (end.getTime() - start.getTime()) / HOUR - 1;
    expect(notifier.to('ch-hourly')).toHaveLength(hours);
    expect(notifier.to('ch-nightly')).toHaveLength(6);
    const hourly = await a.schedules.claims('schedule:hourly', 1_000);
    expect(hourly).toHaveLength(hours);
    expect(new Set(hourly.map((r) => r.scheduledAt.getTime())).size).toBe(hours);
    // Every claim was won by one of the three and carries its outcome.
    expect(hourly.every((r) => /^replica-[012]\//.test(r.claimedBy) && r.outcome === 'posted to 1 channel')).toBe(true);
    const nightly = await b.schedules.claims('schedule:nightly', 100);
    expect(nightly.map((r) => r.scheduledAt.toISOString()).sort()).toEqual([
      '2025-03-28T00:30:00.000Z',
      '2025-03-29T00:30:00.000Z',
      '2025-03-30T00:30:00.000Z', // 01:30 CET, the night the clocks go forward
      '2025-03-30T23:30:00.000Z', // 01:30 CEST
      '2025-03-31T23:30:00.000Z',
      '2025-04-01T23:30:00.000Z',
    ]);
    // The audit has one `schedule_fired` entry per fired tick, not one per replica.
    const audit = await c.audit.recent(1_000);
    expect(audit.filter((e) => e.event === 'schedule_fired')).toHaveLength(hours + 6);
  });
});
