/**
 * A year of nightly ticks, driven through the scheduler's tick function with an injected clock (no
 * sleeping): each schedule fires exactly once per local day across both daylight-saving changes,
 * at the local time it names (or, for a time the spring-forward night skips, an hour later).
 */
import { DateTime } from 'luxon';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/core/store.js';
import { engines, ManualClock, type OpenedStore } from './engines.js';
import { announcement, HOUR, MINUTE, RecordingNotifier, scheduler } from './support.js';

const sqlite = engines.find((e) => e.name === 'sqlite');
if (sqlite === undefined) throw new Error('no sqlite engine');

describe('a year of nightly schedules in Europe/Warsaw', () => {
  let opened: OpenedStore;
  let store: Store;

  beforeEach(async () => {
    opened = await sqlite.open();
    store = opened.store;
  });

  afterEach(async () => {
    await store.close();
    await opened.dispose();
  });

  it('fires 01:30 and 02:30 exactly 365 times each across both DST changes of 2025', async () => {
    const start = new Date('2025-01-01T00:00:00Z');
    const end = new Date('2026-01-01T00:00:00Z');
    const clock = new ManualClock(start);
    const notifier = new RecordingNotifier();
    await store.schedules.syncConfig(
      [announcement('nightly-0130', '30 1 * * *', 'Europe/Warsaw', 'ch-a', start), announcement('nightly-0230', '30 2 * * *', 'Europe/Warsaw', 'ch-b', start)],
      start,
    );
    // Passes every 110 minutes (a grace above that, so none counts as missed): a tick is found up to
    // 110 minutes late, a different lateness each night, and still fires once, for its own instant.
    const s = scheduler(store, clock, notifier, { settings: { tickMs: 110 * MINUTE, graceMs: 2 * HOUR } });
    let passes = 0;
    for (let t = start.getTime(); t < end.getTime(); t += 110 * MINUTE) {
      clock.set(new Date(t));
      const report = await s.tick(new Date(t));
      expect(report.missed).toEqual([]);
      passes += 1;
    }
    await s.settled();
    expect(passes).toBeGreaterThan(4_700);

    for (const [id, channel] of [['nightly-0130', 'ch-a'], ['nightly-0230', 'ch-b']] as const) {
      const claims = await store.schedules.claims(`schedule:${id}`, 1_000);
      expect(claims).toHaveLength(365);
      expect(notifier.to(channel)).toHaveLength(365);
      expect(claims.every((c) => c.outcome === 'posted to 1 channel')).toBe(true);
      const localDays = new Set(claims.map((c) => DateTime.fromJSDate(c.scheduledAt, { zone: 'Europe/Warsaw' }).toISODate()));
      expect(localDays.size).toBe(365);
    }

    const local = async (id: string): Promise<Map<string, string>> => {
      const claims = await store.schedules.claims(`schedule:${id}`, 1_000);
      return new Map(claims.map((c) => {
        const d = DateTime.fromJSDate(c.scheduledAt, { zone: 'Europe/Warsaw' });
        return [d.toISODate() ?? '', `${d.toFormat('HH:mm')} ${d.offsetNameShort ?? ''}`.trim()];
      }));
    };
    const early = await local('nightly-0130');
    const late = await local('nightly-0230');
    // 01:30 exists every night: winter (UTC+1) and summer (UTC+2) alike.
    expect(new Set([...early.values()].map((v) => v.slice(0, 5)))).toEqual(new Set(['01:30']));
    expect(early.get('2025-03-30')?.slice(0, 5)).toBe('01:30');
    expect(early.get('2025-10-26')?.slice(0, 5)).toBe('01:30');
    // 02:30 does not exist on 30 March (02:00 → 03:00): it runs at 03:30 local, once.
    expect(late.get('2025-03-30')?.slice(0, 5)).toBe('03:30');
    // 02:30 happens twice on 26 October (03:00 → 02:00): it runs once.
    expect(late.get('2025-10-26')?.slice(0, 5)).toBe('02:30');
    const other = [...late.entries()].filter(([day]) => day !== '2025-03-30').map(([, v]) => v.slice(0, 5));
    expect(new Set(other)).toEqual(new Set(['02:30']));
    // Every UTC instant is distinct and the summer ones are an hour earlier in UTC than winter ones.
    const utc = (await store.schedules.claims('schedule:nightly-0130', 1_000)).map((c) => c.scheduledAt.toISOString().slice(11, 16));
    expect(new Set(utc)).toEqual(new Set(['00:30', '23:30']));
  });
});
