/**
 * Maintenance windows over time, on both store engines, without Alertmanager: what a window ended
 * early from chat means for the rest of its planned span, and what the end announcement says while
 * another window of the same target still holds its alerts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/log.js';
import { MaintenanceService } from '../../src/core/maintenance/service.js';
import type { MaintenanceSettings } from '../../src/core/maintenance/types.js';
import type { Store } from '../../src/core/store.js';
import { engines, ManualClock, type OpenedStore } from '../scheduler/engines.js';
import { RecordingNotifier } from '../scheduler/support.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const olga = { platform: 'mattermost', id: 'u-olga', name: 'Olga' } as const;
const ops = { platform: 'mattermost', id: 'ch-ops', name: 'ops' } as const;

function settings(overrides: Partial<MaintenanceSettings> = {}): MaintenanceSettings {
  return {
    targets: { db: { matchers: { service: 'db' }, announceTo: ['mattermost:ch-maint'], blockDeploys: true, leadMs: 30 * MINUTE } },
    recurring: [],
    displayZone: 'Europe/Warsaw',
    ...overrides,
  };
}

describe.each(engines)('maintenance windows over time ($name)', (engine) => {
  let opened: OpenedStore;
  let store: Store;
  let clock: ManualClock;
  let notifier: RecordingNotifier;

  beforeEach(async () => {
    opened = await engine.open();
    store = opened.store;
    notifier = new RecordingNotifier();
  });

  afterEach(async () => {
    await store.close();
    await opened.dispose();
  });

  function service(s: MaintenanceSettings): MaintenanceService {
    return new MaintenanceService({ store: store.maintenance, claims: store.schedules, audit: store.audit, clock, notifier, logger: silentLogger, silences: null, owner: 'host-a/1/x', settings: s });
  }

  it('a recurring window longer than a day, ended early, stays ended for the rest of its planned span', async () => {
    // Every Saturday 00:00 UTC for 48 h; ended from chat an hour in.
    const saturday = new Date('2025-06-07T00:00:00Z');
    const weekend = { name: 'weekend', target: 'db', cron: '0 0 * * 6', timezone: 'UTC', durationMs: 48 * HOUR, reason: 'storage move', leadMs: null, blockDeploys: null };
    clock = new ManualClock(new Date(saturday.getTime() + HOUR));
    const m = service(settings({ recurring: [weekend] }));
    await m.tick(clock.now());
    const [window] = await store.maintenance.current(new Date(0));
    if (window === undefined) throw new Error('the occurrence was not recorded');
    await m.end(window.id, olga);

    // A pass every hour until the planned end: never in maintenance again, nothing announced again.
    for (let h = 2; h < 48; h++) {
      clock.set(new Date(saturday.getTime() + h * HOUR));
      await m.tick(clock.now());
      expect({ h, held: m.isInMaintenance('db', clock.now()), blocked: m.deployBlockedBy('db', clock.now()) }).toEqual({ h, held: false, blocked: null });
    }
    // The listing shows next Saturday's occurrence, not this one again.
    expect((await m.list(clock.now())).map((w) => [w.id, w.startsAt.toISOString()])).toEqual([[null, '2025-06-14T00:00:00.000Z']]);
    expect(notifier.posts.map((p) => p.text.split('.')[0])).toEqual([`Maintenance #${window.id} of \`db\` has started — storage move; it ends at 2025-06-09 02:00 GMT+2`, `Maintenance #${window.id} of \`db\` ended early by Olga`]);
  });

  it('the end of one of two overlapping windows of a target says its alerts stay held back by the other', async () => {
    const now = new Date('2025-06-01T10:00:00Z');
    clock = new ManualClock(now);
    const m = service(settings());
    const first = await m.open({ target: 'db', startsAt: now, durationMs: HOUR, reason: 'vacuum' }, olga, ops);
    const second = await m.open({ target: 'db', startsAt: now, durationMs: 2 * HOUR, reason: 'kernel upgrade' }, olga, ops);

    // Ended early: #2 still holds db's alerts until 14:00 Warsaw time.
    clock.set(new Date(now.getTime() + 10 * MINUTE));
    await m.end(first.window.id, olga);
    expect(m.isInMaintenance('db', clock.now())).toBe(true);
    expect(notifier.posts.at(-1)?.text).toBe(`Maintenance #${first.window.id} of \`db\` ended early by Olga. Alerts for \`db\` stay held back: maintenance #${second.window.id} is on until 2025-06-01 14:00 GMT+2.`);

    // A third one ends on time while #2 is still on.
    const third = await m.open({ target: 'db', startsAt: clock.now(), durationMs: 30 * MINUTE, reason: null }, olga, ops);
    clock.set(new Date(now.getTime() + 41 * MINUTE));
    await m.tick(clock.now());
    expect(notifier.posts.at(-1)?.text).toBe(`Maintenance #${third.window.id} of \`db\` has ended. Alerts for \`db\` stay held back: maintenance #${second.window.id} is on until 2025-06-01 14:00 GMT+2.`);

    // The last one to end says they are posted again.
    clock.set(new Date(now.getTime() + 2 * HOUR));
    await m.tick(clock.now());
    expect(notifier.posts.at(-1)?.text).toBe(`Maintenance #${second.window.id} of \`db\` has ended. Alerts for \`db\` are posted again.`);
  });
});
