/** The ScheduleStore and MaintenanceStore contracts, on SQLite and PostgreSQL. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NewSchedule } from '../../src/core/scheduler/types.js';
import type { Store } from '../../src/core/store.js';
import { engines, type OpenedStore } from './engines.js';

const T0 = new Date('2025-06-01T10:00:00Z');
const at = (minutes: number): Date => new Date(T0.getTime() + minutes * 60_000);

function schedule(overrides: Partial<NewSchedule> = {}): NewSchedule {
  return {
    id: 'nightly',
    cron: '30 1 * * *',
    timezone: 'Europe/Warsaw',
    action: { kind: 'announce', text: 'Nightly maintenance at 02:00', to: ['mattermost:ch-ops'] },
    missed: 'skip',
    source: 'chat',
    paused: false,
    createdBy: 'Olga',
    createdByKey: 'mattermost:u-olga',
    now: T0,
    ...overrides,
  };
}

describe.each(engines)('$name schedule store', (engine) => {
  let opened: OpenedStore;
  let store: Store;

  beforeEach(async () => {
    opened = await engine.open();
    store = opened.store;
  });

  afterEach(async () => {
    await store.close();
    await opened.dispose();
  });

  it('creates a schedule once and reads it back field for field', async () => {
    expect(await store.schedules.create(schedule())).toBe(true);
    expect(await store.schedules.create(schedule({ cron: '0 3 * * *' }))).toBe(false);
    const record = await store.schedules.get('nightly');
    expect(record).toEqual({
      id: 'nightly',
      cron: '30 1 * * *',
      timezone: 'Europe/Warsaw',
      action: { kind: 'announce', text: 'Nightly maintenance at 02:00', to: ['mattermost:ch-ops'] },
      missed: 'skip',
      source: 'chat',
      paused: false,
      createdBy: 'Olga',
      createdByKey: 'mattermost:u-olga',
      createdAt: T0,
      updatedAt: T0,
      cursorAt: T0,
      lastTickAt: null,
      lastOutcome: null,
    });
    const command = schedule({ id: 'backup', action: { kind: 'command', command: 'backup db', as: 'backup-bot', to: [] }, missed: 'run-once' });
    await store.schedules.create(command);
    expect((await store.schedules.list()).map((s) => [s.id, s.action.kind, s.missed])).toEqual([
      ['backup', 'command', 'run-once'],
      ['nightly', 'announce', 'skip'],
    ]);
  });

  it('claims each (key, instant) for exactly one caller, across replicas', async () => {
    const instants = [at(0), at(60), at(120)];
    const won = await store.schedules.claim('schedule:nightly', instants, 'run', 'replica-a', T0);
    expect(won).toEqual(instants);
    expect(await store.schedules.claim('schedule:nightly', [at(60), at(180)], 'run', 'replica-b', T0)).toEqual([at(180)]);
    // Another key is independent.
    expect(await store.schedules.claim('schedule:other', [at(60)], 'run', 'replica-b', T0)).toEqual([at(60)]);
    if (opened.replica !== null) {
      const others = await Promise.all([opened.replica(), opened.replica()]);
      try {
        const racers = [store, ...others];
        const results = await Promise.all(racers.map((s, i) => s.schedules.claim('schedule:race', [at(300), at(360)], 'run', `replica-${i}`, T0)));
        expect(results.flat().map((d) => d.getTime()).sort()).toEqual([at(300).getTime(), at(360).getTime()]);
      } finally {
        for (const s of others) await s.close();
      }
    }
    const rows = await store.schedules.claims('schedule:nightly', 10);
    expect(rows.map((r) => [r.scheduledAt.getTime(), r.claimedBy])).toEqual([
      [at(180).getTime(), 'replica-b'],
      [at(120).getTime(), 'replica-a'],
      [at(60).getTime(), 'replica-a'],
      [at(0).getTime(), 'replica-a'],
    ]);
  });

  it('records outcomes, keeping the newest tick as the last outcome', async () => {
    await store.schedules.create(schedule());
    await store.schedules.claim('schedule:nightly', [at(60), at(120)], 'run', 'a', T0);
    await store.schedules.recordOutcome({ key: 'schedule:nightly', scheduledAt: at(120) }, 'nightly', 'posted to 1 channel', at(121));
    // A slow older tick finishing later does not overwrite the newer outcome.
    await store.schedules.recordOutcome({ key: 'schedule:nightly', scheduledAt: at(60) }, 'nightly', 'job #3 failed', at(122));
    const record = await store.schedules.get('nightly');
    expect([record?.lastOutcome, record?.lastTickAt]).toEqual(['posted to 1 channel', at(120)]);
    const claims = await store.schedules.claims('schedule:nightly', 5);
    expect(claims.map((c) => c.outcome)).toEqual(['posted to 1 channel', 'job #3 failed']);
  });

  it('moves the cursor only forward, and resuming skips the paused stretch', async () => {
    await store.schedules.create(schedule());
    await store.schedules.advanceCursor('nightly', at(100));
    await store.schedules.advanceCursor('nightly', at(50));
    expect((await store.schedules.get('nightly'))?.cursorAt).toEqual(at(100));
    expect((await store.schedules.setPaused('nightly', true, at(200)))?.paused).toBe(true);
    expect((await store.schedules.get('nightly'))?.cursorAt).toEqual(at(100));
    const resumed = await store.schedules.setPaused('nightly', false, at(5_000));
    expect([resumed?.paused, resumed?.cursorAt]).toEqual([false, at(5_000)]);
    expect(await store.schedules.setPaused('nope', true, at(1))).toBeNull();
    expect(await store.schedules.remove('nightly')).toBe(true);
    expect(await store.schedules.remove('nightly')).toBe(false);
  });

  it('syncs config schedules: adds, updates in place (cursor kept), takes over, removes', async () => {
    await store.schedules.create(schedule({ id: 'chat-one' }));
    await store.schedules.create(schedule({ id: 'taken', createdBy: 'Olga' }));
    const first = await store.schedules.syncConfig([schedule({ id: 'cfg-a', source: 'config', createdBy: null }), schedule({ id: 'taken', source: 'config', createdBy: null })], T0);
    expect(first).toEqual({ added: ['cfg-a'], updated: ['taken'], removed: [] });
    // Taken over by the config, a schedule no longer acts for the person who added it in chat.
    expect(await store.schedules.get('taken')).toMatchObject({ source: 'config', createdBy: null, createdByKey: null });
    await store.schedules.advanceCursor('cfg-a', at(30));
    const second = await store.schedules.syncConfig([schedule({ id: 'cfg-a', source: 'config', cron: '0 2 * * *', createdBy: null })], at(40));
    expect(second).toEqual({ added: [], updated: ['cfg-a'], removed: ['taken'] });
    const a = await store.schedules.get('cfg-a');
    expect([a?.cron, a?.cursorAt, a?.source]).toEqual(['0 2 * * *', at(30), 'config']);
    // Unchanged config: nothing to do. Chat schedules are never removed by the config.
    expect(await store.schedules.syncConfig([schedule({ id: 'cfg-a', source: 'config', cron: '0 2 * * *', createdBy: null })], at(50))).toEqual({ added: [], updated: [], removed: [] });
    expect((await store.schedules.list()).map((s) => s.id)).toEqual(['cfg-a', 'chat-one']);
    expect(await store.schedules.syncConfig([], at(60))).toEqual({ added: [], updated: [], removed: ['cfg-a'] });
  });

  it('keeps maintenance windows; a recurring occurrence is created once; ending is one-time', async () => {
    const base = {
      target: 'db',
      startsAt: at(30),
      endsAt: at(90),
      reason: 'vacuum',
      createdBy: 'Olga',
      createdAt: T0,
      matchers: { service: 'db' },
      announceTo: ['mattermost:ch-ops'],
      leadMs: 1_800_000,
      blockDeploys: true,
    };
    const chat = await store.maintenance.create({ ...base, occurrenceKey: null });
    expect(chat).toMatchObject({ target: 'db', startsAt: at(30), endsAt: at(90), recurring: null, matchers: { service: 'db' }, blockDeploys: true, silenceIds: [], endedAt: null });
    const occurrence = await store.maintenance.create({ ...base, occurrenceKey: `nightly-db@${at(30).getTime()}` });
    expect(occurrence?.recurring).toBe('nightly-db');
    expect(await store.maintenance.create({ ...base, occurrenceKey: `nightly-db@${at(30).getTime()}` })).toBeNull();
    const id = chat?.id ?? -1;
    await store.maintenance.setSilences(id, ['abc-123']);
    expect((await store.maintenance.get(id))?.silenceIds).toEqual(['abc-123']);
    expect((await store.maintenance.end(id, at(40), 'Oscar'))?.endedAt).toEqual(at(40));
    expect(await store.maintenance.end(id, at(41), 'Oscar')).toBeNull();
    expect((await store.maintenance.current(at(35))).map((w) => w.id)).toEqual([id, occurrence?.id]);
    // Ended early, it stays in the live view until its planned end (at 90) too: a recurring occurrence
    // ended early must not be computed as in force again.
    expect((await store.maintenance.current(at(40))).map((w) => w.id)).toEqual([id, occurrence?.id]);
    expect((await store.maintenance.current(at(90))).map((w) => w.id)).toEqual([occurrence?.id]);
  });
});
