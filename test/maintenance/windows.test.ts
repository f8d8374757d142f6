/**
 * Maintenance windows against a REAL Alertmanager on loopback: a window creates a silence for its
 * target for its duration and removes it when ended early; announcements go out ahead, at start and
 * at end, once each even with two replicas; isInMaintenance / deployBlockedBy answer for the alert
 * pipeline and deploys.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { AlertmanagerSilences } from '../../src/backends/alertmanager-silences.js';
import { silentLogger } from '../../src/core/log.js';
import { MaintenanceService } from '../../src/core/maintenance/service.js';
import type { MaintenanceSettings } from '../../src/core/maintenance/types.js';
import type { SilencesPort } from '../../src/core/maintenance/silences.js';
import type { Store } from '../../src/core/store.js';
import { openPostgresStore } from '../../src/store/postgres.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { engines, ManualClock, type OpenedStore } from '../scheduler/engines.js';
import { RecordingNotifier } from '../scheduler/support.js';
import { startAlertmanager, type RunningAlertmanager } from './alertmanager.js';

const MINUTE = 60_000;
const olga = { platform: 'mattermost', id: 'u-olga', name: 'Olga' } as const;
const ops = { platform: 'mattermost', id: 'ch-ops', name: 'ops' } as const;

function settings(overrides: Partial<MaintenanceSettings> = {}): MaintenanceSettings {
  return {
    targets: {
      db: { matchers: { service: 'db', env: 'prod' }, announceTo: ['mattermost:ch-maint'], blockDeploys: true, leadMs: 30 * MINUTE },
      web: { matchers: { service: 'web' }, announceTo: [], blockDeploys: false, leadMs: 30 * MINUTE },
    },
    recurring: [],
    displayZone: 'Europe/Warsaw',
    ...overrides,
  };
}

function service(store: Store, clock: ManualClock, notifier: RecordingNotifier, silences: SilencesPort | null, s: MaintenanceSettings, owner = 'host-a/1/x'): MaintenanceService {
  return new MaintenanceService({ store: store.maintenance, claims: store.schedules, audit: store.audit, clock, notifier, logger: silentLogger, silences, owner, settings: s });
}

let am: RunningAlertmanager;
let silences: AlertmanagerSilences;

/** The silence as Alertmanager reports it (GET /api/v2/silence/{id}). */
function read(id: string | undefined) {
  return silences.client.get(id ?? 'missing', AbortSignal.timeout(5_000));
}

beforeAll(async () => {
  am = await startAlertmanager();
  silences = AlertmanagerSilences.fromSettings({ url: am.url, bearer: null, timeout: 5_000 });
});

afterAll(async () => {
  await am.stop();
});

describe('a window opened from chat', () => {
  const sqlite = engines.find((e) => e.name === 'sqlite');
  let opened: OpenedStore;
  let store: Store;

  beforeEach(async () => {
    if (sqlite === undefined) throw new Error('no sqlite engine');
    opened = await sqlite.open();
    store = opened.store;
  });

  afterEach(async () => {
    await store.close();
    await opened.dispose();
  });

  it('creates a real Alertmanager silence for its duration and removes it when ended early', async () => {
    // Alertmanager keeps real time, so the window does too.
    const now = new Date(Math.floor(Date.now() / 1000) * 1000);
    const clock = new ManualClock(now);
    const notifier = new RecordingNotifier();
    const m = service(store, clock, notifier, silences, settings());
    const { window, silence } = await m.open({ target: 'db', startsAt: now, durationMs: 60 * MINUTE, reason: 'vacuum full' }, olga, ops);
    expect(silence).toMatch(/^silence [0-9a-f-]{36}$/);
    expect(window.silenceIds).toHaveLength(1);
    const id = window.silenceIds[0];

    const live = await read(id);
    // And in Alertmanager's own listing (GET /api/v2/silences), as an operator would see it.
    const listing = (await (await fetch(`${am.url}/api/v2/silences`)).json()) as { id: string; status: { state: string } }[];
    expect(listing.filter((x) => x.id === id).map((x) => x.status.state)).toEqual(['active']);
    expect(live?.status.state).toBe('active');
    expect(live?.matchers.map((x) => [x.name, x.value, x.isRegex]).sort()).toEqual([['env', 'prod', false], ['service', 'db', false]]);
    expect(new Date(live?.endsAt ?? 0).getTime()).toBe(now.getTime() + 60 * MINUTE);
    expect(live?.comment).toBe(`opsbot maintenance #${window.id} of db: vacuum full`);
    expect(live?.createdBy).toBe('opsbot (Olga)');

    // Started now: announced once, to the target's channel.
    expect(notifier.posts.map((p) => [p.conversation.id, p.text.split(';')[0]])).toEqual([['ch-maint', `Maintenance #${window.id} of \`db\` has started — vacuum full`]]);
    expect(m.isInMaintenance('db', now)).toBe(true);
    expect(m.isInMaintenance('web', now)).toBe(false);
    expect(m.deployBlockedBy('db', now)?.id).toBe(window.id);
    expect(m.activeWindows(new Date(now.getTime() + 61 * MINUTE))).toEqual([]);

    // A pass in between changes nothing (no second silence, no second announcement).
    clock.set(new Date(now.getTime() + 5 * MINUTE));
    await m.tick(clock.now());
    expect(notifier.posts).toHaveLength(1);
    expect((await store.maintenance.get(window.id))?.silenceIds).toEqual([id]);

    const ended: number[] = [];
    m.onEnded((w) => ended.push(w.id));
    const result = await m.end(window.id, olga);
    expect(result.silences).toBe(`removed silence ${id}`);
    expect((await read(id))?.status.state).toBe('expired');
    expect(m.isInMaintenance('db', clock.now())).toBe(false);
    expect(ended).toEqual([window.id]);
    expect(notifier.posts.at(-1)?.text).toContain('ended early by Olga');
    // The planned end later is not announced a second time, and a second `end` is refused.
    clock.set(new Date(now.getTime() + 61 * MINUTE));
    await m.tick(clock.now());
    expect(notifier.posts).toHaveLength(2);
    await expect(m.end(window.id, olga)).rejects.toThrow('has ended already');
    const audit = await store.audit.recent(10);
    expect(audit.filter((e) => e.event === 'maintenance_started' || e.event === 'maintenance_ended').map((e) => e.event)).toEqual(['maintenance_ended', 'maintenance_started']);
  });

  it('refuses unknown targets, past starts and silly durations; works without Alertmanager', async () => {
    const now = new Date('2025-06-01T10:00:00Z');
    const clock = new ManualClock(now);
    const notifier = new RecordingNotifier();
    const m = service(store, clock, notifier, null, settings());
    expect(() => m.validate({ target: 'dbx', startsAt: now, durationMs: MINUTE, reason: null })).toThrow('`dbx` is not a maintenance target');
    expect(() => m.validate({ target: 'db', startsAt: new Date(now.getTime() - 10 * MINUTE), durationMs: MINUTE, reason: null })).toThrow('is in the past');
    expect(() => m.validate({ target: 'db', startsAt: now, durationMs: 8 * 24 * 60 * MINUTE, reason: null })).toThrow('at most');
    // `web` has no channels of its own: it is announced where it was opened.
    const opened = await m.open({ target: 'web', startsAt: new Date(now.getTime() + 45 * MINUTE), durationMs: 30 * MINUTE, reason: null }, olga, ops);
    expect(opened.silence).toBe('no Alertmanager configured');
    expect(opened.window.announceTo).toEqual(['mattermost:ch-ops']);
    expect(notifier.posts).toEqual([]);
    clock.set(new Date(now.getTime() + 16 * MINUTE));
    await m.tick(clock.now());
    expect(notifier.posts.map((p) => p.text)).toEqual([expect.stringContaining('starts in 29 min')]);
    expect(m.isInMaintenance('web', clock.now())).toBe(false);
    expect(m.isInMaintenance('web', new Date(now.getTime() + 50 * MINUTE))).toBe(true);
    expect(m.deployBlockedBy('web', new Date(now.getTime() + 50 * MINUTE))).toBeNull();
    // Cancelled before it starts: no start announcement ever.
    await m.end(opened.window.id, olga);
    clock.set(new Date(now.getTime() + 50 * MINUTE));
    await m.tick(clock.now());
    expect(notifier.posts.map((p) => p.text)).toEqual([expect.stringContaining('starts in 29 min'), expect.stringContaining('cancelled before it started')]);
  });
});

describe('a recurring window from the config, two replicas on PostgreSQL', () => {
  let db: TestDatabase;
  const stores: Store[] = [];

  beforeAll(async () => {
    db = await createTestDatabase(inject('postgresUrl'));
    stores.push(await openPostgresStore({ url: db.url, poolSize: 4 }), await openPostgresStore({ url: db.url, poolSize: 4 }));
  });

  afterAll(async () => {
    for (const s of stores.splice(0)) await s.close();
    await db.drop();
  });

  it('announces ahead, at start and at end once each, and silences the occurrence in Alertmanager', async () => {
    // The next occurrence is ~40 min from real now (Alertmanager refuses silences that end in the past).
    const start = new Date(Math.ceil((Date.now() + 40 * MINUTE) / MINUTE) * MINUTE);
    const cron = `${start.getUTCMinutes()} ${start.getUTCHours()} * * *`;
    const s = settings({ recurring: [{ name: 'nightly-db', target: 'db', cron, timezone: 'UTC', durationMs: 60 * MINUTE, reason: 'nightly vacuum', leadMs: null, blockDeploys: null }] });
    const notifier = new RecordingNotifier();
    const clock = new ManualClock(new Date(start.getTime() - 35 * MINUTE));
    const [a, b] = stores;
    if (a === undefined || b === undefined) throw new Error('two stores expected');
    const replicas = [service(a, clock, notifier, silences, s, 'host-a/1/x'), service(b, clock, notifier, silences, s, 'host-b/2/y')];
    const pass = async (offsetMs: number): Promise<void> => {
      clock.set(new Date(start.getTime() + offsetMs));
      await Promise.all(replicas.map((r) => r.tick(clock.now())));
    };

    // Before the lead time: nothing recorded, nothing said; yet the window is known for the future.
    await pass(-35 * MINUTE);
    expect(notifier.posts).toEqual([]);
    expect(replicas[0]?.isInMaintenance('db', new Date(start.getTime() + MINUTE))).toBe(true);
    const listed = await replicas[0]?.list(clock.now());
    expect(listed?.map((w) => [w.id, w.recurring, w.startsAt.getTime()])).toEqual([[null, 'nightly-db', start.getTime()]]);

    // Within the lead time: recorded once, silenced once (pending in Alertmanager), announced once.
    await pass(-29 * MINUTE);
    await pass(-28 * MINUTE);
    expect(notifier.posts.map((p) => p.text)).toEqual([expect.stringContaining('starts in 29 min')]);
    const windows = await a.maintenance.current(new Date(0));
    expect(windows).toHaveLength(1);
    const w = windows[0];
    expect(w?.silenceIds).toHaveLength(1);
    const silence = await read(w?.silenceIds[0]);
    expect(silence?.status.state).toBe('pending');
    expect(new Date(silence?.startsAt ?? 0).getTime()).toBe(start.getTime());
    expect(new Date(silence?.endsAt ?? 0).getTime()).toBe(start.getTime() + 60 * MINUTE);

    await pass(10_000);
    await pass(20_000);
    expect(notifier.posts).toHaveLength(2);
    expect(notifier.posts[1]?.text).toContain('has started — nightly vacuum');
    expect(replicas[1]?.isInMaintenance('db', clock.now())).toBe(true);
    expect(replicas[1]?.deployBlockedBy('db', clock.now())?.id).toBe(w?.id);

    await pass(60 * MINUTE + 5_000);
    await pass(60 * MINUTE + 15_000);
    expect(notifier.posts).toHaveLength(3);
    expect(notifier.posts[2]?.text).toContain('has ended');
    expect(replicas[0]?.isInMaintenance('db', clock.now())).toBe(false);
    expect(notifier.posts.every((p) => p.conversation.id === 'ch-maint')).toBe(true);
    const audit = await b.audit.recent(20);
    expect(audit.filter((e) => e.event.startsWith('maintenance_')).map((e) => e.event)).toEqual(['maintenance_ended', 'maintenance_started']);
    // The next night's occurrence is the next one listed.
    const next = await replicas[1]?.list(clock.now());
    expect(next?.map((x) => x.startsAt.getTime())).toEqual([start.getTime() + 24 * 60 * MINUTE]);
    if (w !== undefined) await silences.expire(w.silenceIds[0] ?? '');
  });
});
