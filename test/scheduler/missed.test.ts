/** Ticks that passed while no replica ran: `skip` reports them, `run-once` reports them and runs once. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/core/store.js';
import { engines, ManualClock, type OpenedStore } from './engines.js';
import { announcement, MINUTE, RecordingNotifier, scheduler } from './support.js';

describe.each(engines)('missed ticks on $name', (engine) => {
  let opened: OpenedStore;
  let store: Store;
  const start = new Date('2025-06-01T00:00:00Z');

  beforeEach(async () => {
    opened = await engine.open();
    store = opened.store;
  });

  afterEach(async () => {
    await store.close();
    await opened.dispose();
  });

  it('skip: reports the missed stretch once (chat, audit, last outcome) and runs nothing for it', async () => {
    await store.schedules.syncConfig([announcement('nightly', '0 2 * * *', 'UTC', 'ch-ops', start)], start);
    const clock = new ManualClock(start);
    const notifier = new RecordingNotifier();
    const s = scheduler(store, clock, notifier);
    // Down for three nights; back at 01:10 on the fourth day.
    const back = new Date('2025-06-04T01:10:00Z');
    clock.set(back);
    const report = await s.tick(back);
    await s.settled();
    expect(report.fired).toEqual([]);
    expect(report.missed).toEqual([{ scheduleId: 'nightly', count: 3, atLeast: false, first: new Date('2025-06-01T02:00:00Z'), last: new Date('2025-06-03T02:00:00Z'), policy: 'skip' }]);
    expect(notifier.posts).toHaveLength(1);
    expect(notifier.posts[0]?.text).toContain('missed 3 ticks while opsbot was not running');
    expect(notifier.posts[0]?.text).toContain('skipped');
    const audit = await store.audit.recent(10);
    expect(audit.filter((e) => e.event === 'schedule_missed').map((e) => [e.outcome, e.args])).toEqual([
      ['skip', { schedule: 'nightly', count: 3, first: '2025-06-01T02:00:00.000Z', last: '2025-06-03T02:00:00.000Z' }],
    ]);
    expect((await store.schedules.get('nightly'))?.lastOutcome).toBe('missed 3 ticks (skipped)');
    // The same pass again (another replica, or the next tick) neither reports nor fires again.
    expect(await s.tick(new Date(back.getTime() + MINUTE))).toEqual({ fired: [], missed: [] });
    // The next night fires normally.
    const normal = await s.tick(new Date('2025-06-04T02:00:30Z'));
    await s.settled();
    expect(normal.fired.map((f) => f.at.toISOString())).toEqual(['2025-06-04T02:00:00.000Z']);
    expect(notifier.posts.map((p) => p.text)).toEqual([expect.stringContaining('missed 3 ticks'), 'nightly tick']);
  });

  it('run-once: reports, then runs the action once for the whole stretch', async () => {
    await store.schedules.syncConfig([announcement('nightly', '0 2 * * *', 'UTC', 'ch-ops', start, { missed: 'run-once' })], start);
    const clock = new ManualClock(start);
    const notifier = new RecordingNotifier();
    const s = scheduler(store, clock, notifier);
    const back = new Date('2025-06-04T01:10:00Z');
    clock.set(back);
    const report = await s.tick(back);
    await s.settled();
    expect(report.fired).toEqual([{ scheduleId: 'nightly', at: new Date('2025-06-03T02:00:00Z'), catchingUp: 3 }]);
    expect(notifier.posts.map((p) => p.text)).toEqual([expect.stringContaining('Running it once now (policy `run-once`)'), 'nightly tick']);
    expect((await store.schedules.get('nightly'))?.lastOutcome).toBe('catch-up run for 3 missed ticks: posted to 1 channel');
    expect(await s.tick(new Date(back.getTime() + MINUTE))).toEqual({ fired: [], missed: [] });
  });

  it('a tick found a little late (within grace) is not missed; paused ticks are not missed either', async () => {
    await store.schedules.syncConfig([announcement('nightly', '0 2 * * *', 'UTC', 'ch-ops', start)], start);
    const clock = new ManualClock(start);
    const notifier = new RecordingNotifier();
    const s = scheduler(store, clock, notifier);
    const late = await s.tick(new Date('2025-06-01T02:01:30Z'));
    expect(late.fired.map((f) => f.at.toISOString())).toEqual(['2025-06-01T02:00:00.000Z']);
    await store.schedules.setPaused('nightly', true, new Date('2025-06-01T03:00:00Z'));
    expect(await s.tick(new Date('2025-06-05T12:00:00Z'))).toEqual({ fired: [], missed: [] });
    await store.schedules.setPaused('nightly', false, new Date('2025-06-05T12:00:00Z'));
    expect(await s.tick(new Date('2025-06-05T12:01:00Z'))).toEqual({ fired: [], missed: [] });
    const resumed = await s.tick(new Date('2025-06-06T02:00:05Z'));
    await s.settled();
    expect(resumed.fired.map((f) => f.at.toISOString())).toEqual(['2025-06-06T02:00:00.000Z']);
    expect(notifier.posts.map((p) => p.text)).toEqual(['nightly tick', 'nightly tick']);
  });

  it('reports the missed stretch in the schedule\'s own zone, as it was written', async () => {
    await store.schedules.syncConfig([announcement('nightly', '0 2 * * *', 'Europe/Warsaw', 'ch-ops', start)], start);
    const clock = new ManualClock(start);
    const notifier = new RecordingNotifier();
    const s = scheduler(store, clock, notifier);
    clock.set(new Date('2025-06-04T01:10:00Z'));
    await s.tick(clock.now());
    await s.settled();
    // 02:00 in Warsaw is 00:00 UTC in June: the report shows 02:00, not 00:00Z.
    expect(notifier.posts.map((p) => p.text)).toEqual([expect.stringContaining('while opsbot was not running (2025-06-02 02:00 GMT+2 … 2025-06-04 02:00 GMT+2)')]);
  });

  it('a schedule added now does not count the ticks before it as missed', async () => {
    const clock = new ManualClock(start);
    const notifier = new RecordingNotifier();
    const s = scheduler(store, clock, notifier);
    const added = new Date('2025-06-10T12:00:00Z');
    await store.schedules.create(announcement('noon', '0 12 * * *', 'UTC', 'ch-ops', added, { source: 'chat' }));
    expect(await s.tick(new Date(added.getTime() + 30_000))).toEqual({ fired: [], missed: [] });
    expect(notifier.posts).toEqual([]);
  });
});
