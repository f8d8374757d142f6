/**
 * Alerts held back by a maintenance window or an opsbot silence are recorded, and post once the
 * hold ends if they still fire: Zabbix, Uptime Kuma, Netdata and legacy Grafana send a problem once,
 * so one that started during the window must not be lost. Both engines, real upstream payloads,
 * restarts and a second replica.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { alertSources } from '../../src/alert-sources/index.js';
import { parseMatchers } from '../../src/core/alerts/matchers.js';
import { createAlertsPort } from '../../src/core/alerts/service.js';
import type { Alert } from '../../src/core/alerts/model.js';
import type { Window } from '../../src/core/maintenance/types.js';
import type { Store } from '../../src/core/store.js';
import { sharedDir } from '../support/shared.js';
import { alert, at, engines, incoming, type Opened } from './support/fixtures.js';
import { pipeline, RecordingPoster, SetClock } from './support/pipeline.js';

const OLGA = { platform: 'mattermost' as const, id: 'u-olga', name: 'Olga' };

function fixture(folder: string, file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(sharedDir(), 'fixtures', folder, file), 'utf8')) as Record<string, unknown>;
}

/** Zabbix's webhook for problem 8812 on web-01 (firing) and its recovery: each sent once. */
const zabbix = (file: 'constructed_value_problem.json' | 'constructed_value_recovery.json', receivedAt: Date): Alert[] =>
  alertSources.zabbix.parse({ kind: 'json', value: fixture('zabbix', file) }, { receivedAt });

/** A maintenance window of web-01 from 0 to 1 h, and the port the pipeline reads windows from. */
function maintenance(window: Window = { id: 3, target: 'web', startsAt: at(0), endsAt: at(3600), reason: null, recurring: null, createdBy: 'mattermost:u-olga', createdAt: at(0), matchers: { instance: 'web-01' }, announceTo: ['mattermost:ch-ops'], leadMs: 0, blockDeploys: false, silenceIds: [], endedAt: null, endedBy: null }) {
  const listeners: ((w: Window) => void)[] = [];
  let endedAt: Date | null = null;
  return {
    window,
    port: {
      activeWindows: (t: Date) => (t >= window.startsAt && t < (endedAt ?? window.endsAt) ? [window] : []),
      onEnded: (listener: (w: Window) => void) => {
        listeners.push(listener);
        return () => undefined;
      },
    },
    /** Ends the window at `t` (early, from chat), telling the pipeline like MaintenanceService does (`told`: false when another replica ended it). */
    end(t: Date, told = true): void {
      endedAt = t;
      if (told) for (const l of listeners) l({ ...window, endedAt: t });
    },
  };
}

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 10));

/** Ticks until `poster` has `n` posts (the release after an early end runs in the background). */
async function untilShown(tick: () => Promise<unknown>, poster: RecordingPoster, n: number): Promise<void> {
  for (let i = 0; i < 200 && poster.shown.length < n; i++) {
    await tick();
    if (poster.shown.length < n) await settle();
  }
}

describe.each(engines)('alerts held back on $name', (engine) => {
  let opened: Opened;
  let store: Store;
  const extra: Store[] = [];

  beforeEach(async () => {
    opened = await engine.open();
    store = opened.store;
  });

  afterEach(async () => {
    for (const s of extra.splice(0)) await s.close();
    await store.close();
    await opened.dispose();
  });

  it('posts a Zabbix problem that started during maintenance once the window ends on time, if still firing, and only once', async () => {
    const m = maintenance();
    const { pipeline: p, clock, poster } = pipeline(store.alerts, { maintenance: m.port });
    clock.set(at(600));
    expect(await p.ingest(zabbix('constructed_value_problem.json', at(600)))).toMatchObject({ maintenance: 1, new: 0 });
    for (const t of [630, 1800, 3599]) {
      clock.set(at(t));
      await p.tick();
    }
    expect(poster.take()).toEqual([]);
    // The window is over: within one tick the problem is posted like any new group.
    clock.set(at(3601));
    await p.tick();
    const shown = poster.take();
    expect(shown.map((s) => s.message.title)).toEqual(['[FIRING:1] Linux: High CPU utilization (over 90% for 5m)']);
    expect(shown[0]?.conversation).toEqual({ platform: 'mattermost', id: 'ch-misc' });
    expect(JSON.stringify(shown[0]?.message.blocks)).toContain('on web-01 · started during maintenance of web');
    // Zabbix sends the same problem again (an escalation step): dedup holds, no second post.
    clock.set(at(3700));
    expect(await p.ingest(zabbix('constructed_value_problem.json', at(3700)))).toMatchObject({ duplicates: 1, new: 0 });
    clock.set(at(4000));
    await p.tick();
    expect(poster.take()).toEqual([]);
    // Its recovery resolves the post.
    clock.set(at(5000));
    expect(await p.ingest(zabbix('constructed_value_recovery.json', at(5000)))).toMatchObject({ changed: 1 });
    await p.tick();
    expect(poster.take().map((s) => s.message.title)).toEqual(['[RESOLVED] Linux: High CPU utilization (over 90% for 5m)']);
  });

  it('posts nothing for a problem that fired and recovered inside the window; the summary still counts it', async () => {
    const m = maintenance();
    const { pipeline: p, clock, poster } = pipeline(store.alerts, { maintenance: m.port });
    clock.set(at(600));
    await p.ingest(zabbix('constructed_value_problem.json', at(600)));
    clock.set(at(1200));
    expect(await p.ingest(zabbix('constructed_value_recovery.json', at(1200)))).toMatchObject({ stale: 1, changed: 0 });
    clock.set(at(3600));
    m.end(at(3600));
    await settle();
    const summary = poster.take();
    expect(summary.map((s) => s.message.title)).toEqual(['Maintenance of web ended']);
    expect(JSON.stringify(summary[0]?.message.blocks)).toContain('1 alert deliveries were held back');
    for (const t of [3601, 3700, 9000]) {
      clock.set(at(t));
      await p.tick();
    }
    expect(poster.take()).toEqual([]);
    expect(await store.alerts.openGroups(10)).toEqual([]);
    // The same problem again later is news (intake's memory of it went with the store's).
    expect(await p.ingest(zabbix('constructed_value_problem.json', at(9000)))).toMatchObject({ new: 1, duplicates: 0 });
    clock.set(at(9030));
    await p.tick();
    expect(poster.take().map((s) => s.message.title)).toEqual(['[FIRING:1] Linux: High CPU utilization (over 90% for 5m)']);
  });

  it('shows each held alert of a group when its own hold ends', async () => {
    const { pipeline: p, clock, poster } = pipeline(store.alerts);
    const until = (id: string, seconds: number) => ({ id, matchers: parseMatchers(`instance=${id}`), startsAt: at(0), endsAt: at(seconds), createdBy: OLGA, comment: '', inAlertmanager: false, expiredAt: null });
    await store.alerts.addSilence(until('web-1', 3600));
    await store.alerts.addSilence(until('web-2', 7200));
    expect(await p.ingest([alert({ instance: 'web-1' }), alert({ instance: 'web-2' })])).toMatchObject({ silenced: 2 });
    for (const [t, titles] of [[60, []], [3600, ['[FIRING:1] HighCPU']], [3700, []], [7200, ['[FIRING:2] HighCPU']]] as const) {
      clock.set(at(t));
      await p.tick();
      expect(poster.take().map((s) => s.message.title)).toEqual(titles);
    }
  });

  it('posts what still fires right after a window ended early, after its summary', async () => {
    const m = maintenance();
    const { pipeline: p, clock, poster } = pipeline(store.alerts, { maintenance: m.port });
    clock.set(at(600));
    await p.ingest([...zabbix('constructed_value_problem.json', at(600)), alert({ name: 'Disk', instance: 'web-01' })]);
    clock.set(at(900));
    await p.tick();
    expect(poster.take()).toEqual([]);
    m.end(at(900));
    await untilShown(() => p.tick(), poster, 3);
    const [summary, ...groups] = poster.take().map((s) => s.message.title);
    expect(summary).toBe('Maintenance of web ended');
    expect(groups.sort()).toEqual(['[FIRING:1] Disk', '[FIRING:1] Linux: High CPU utilization (over 90% for 5m)']);
  });

  it('shows a held alert in a group posted before the window only when the window ends', async () => {
    const m = maintenance({ ...maintenance().window, startsAt: at(100) });
    const { pipeline: p, clock, poster } = pipeline(store.alerts, { maintenance: m.port });
    await p.ingest([alert({ instance: 'web-1' })]);
    clock.set(at(30));
    await p.tick();
    expect(poster.take().map((s) => s.message.title)).toEqual(['[FIRING:1] HighCPU']);
    clock.set(at(200));
    expect(await p.ingest([alert({ instance: 'web-01' }), alert({ instance: 'web-1' })])).toMatchObject({ maintenance: 1, duplicates: 1 });
    // The group's next look (repeat_interval is 4 h) comes at the end of the window, not before.
    for (const t of [330, 1000, 3599]) {
      clock.set(at(t));
      await p.tick();
    }
    expect(poster.take()).toEqual([]);
    clock.set(at(3600));
    await p.tick();
    const [edit] = poster.take();
    expect(edit?.message.title).toBe('[FIRING:2] HighCPU');
    expect(edit?.key).toMatch(/^alerts:group:/);
  });

  it('posts an Uptime Kuma monitor held by an opsbot silence when the silence expires, or at once on `unsilence`', async () => {
    const down = fixture('uptime-kuma', 'constructed_down.json');
    const kuma = (receivedAt: Date): Alert[] => alertSources['uptime-kuma'].parse({ kind: 'json', value: down }, { receivedAt });
    const { pipeline: p, clock, poster } = pipeline(store.alerts);
    const port = createAlertsPort({ store: store.alerts, clock, backend: null, onChange: { groupChanged: () => p.kick(), silencesChanged: () => p.silencesChanged(), silenceEnded: (id) => p.silenceEnded(id) } });
    await port.silence({ matchers: parseMatchers('region=eu-west'), durationMs: 3_600_000, comment: '' }, OLGA, new AbortController().signal);
    expect(await p.ingest(kuma(at(0)))).toMatchObject({ silenced: 1, new: 0 });
    clock.set(at(60));
    await p.tick();
    expect(poster.take()).toEqual([]);
    // Expires on its own: the monitor, still down, posts on the next tick.
    clock.set(at(3600));
    await p.tick();
    const [post] = poster.take();
    expect(post?.message.title).toBe('[FIRING:1] MonitorDown');
    expect(JSON.stringify(post?.message.blocks)).toContain('started while silenced');

    // Another monitor down behind a new silence, which someone removes early.
    const other = kuma(at(4000)).map((a) => ({ ...a, fingerprint: 'other-monitor', labels: { ...a.labels, alertname: 'OtherDown' } }));
    clock.set(at(4000));
    const s2 = await port.silence({ matchers: parseMatchers('alertname=OtherDown'), durationMs: 3_600_000, comment: '' }, OLGA, new AbortController().signal);
    expect(await p.ingest(other)).toMatchObject({ silenced: 1 });
    clock.set(at(4100));
    await p.tick();
    expect(poster.take()).toEqual([]);
    await port.unsilence(s2.id, new AbortController().signal);
    await p.tick();
    expect(poster.take().map((s) => s.message.title)).toEqual(['[FIRING:1] OtherDown']);
  });

  it('releases what this replica held under a window or silence that another replica ended early', async () => {
    let mono = 0;
    const clock = new SetClock(at(600));
    const m = maintenance();
    const b = pipeline(store.alerts, { clock, owner: 'b', maintenance: m.port, monotonic: () => mono });
    await store.alerts.addSilence({ id: 's1', matchers: parseMatchers('alertname=MonitorDown'), startsAt: at(0), endsAt: at(7200), createdBy: OLGA, comment: '', inAlertmanager: false, expiredAt: null });
    expect(await b.pipeline.ingest([alert({ name: 'MonitorDown', instance: 'api' })])).toMatchObject({ silenced: 1 });
    // Replica A ends both; B's views lag (silences cached for a second, windows until the next
    // scheduler pass) and B is not the one `onEnded` is called on.
    await store.alerts.expireSilence('s1', at(700));
    clock.set(at(700));
    expect(await b.pipeline.ingest([alert({ name: 'MonitorDown', instance: 'api-2' }), ...zabbix('constructed_value_problem.json', at(700))])).toMatchObject({ silenced: 1, maintenance: 1 });
    await b.pipeline.tick();
    expect(b.poster.take()).toEqual([]);
    m.end(at(800), false);
    mono = 1_001;
    clock.set(at(800));
    await b.pipeline.tick();
    expect(b.poster.take().map((s) => s.message.title).sort()).toEqual(['[FIRING:2] MonitorDown', '[FIRING:1] Linux: High CPU utilization (over 90% for 5m)'].sort());
  });

  it('keeps held alerts across a restart during the window', async () => {
    const clock = new SetClock(at(600));
    const m = maintenance();
    const first = pipeline(store.alerts, { clock, maintenance: m.port });
    await first.pipeline.ingest(zabbix('constructed_value_problem.json', at(600)));
    await first.pipeline.stop();

    const second = pipeline(store.alerts, { clock, maintenance: m.port, owner: 'replica-a-restarted' });
    clock.set(at(1000));
    await second.pipeline.tick();
    expect(second.poster.take()).toEqual([]);
    clock.set(at(3600));
    await second.pipeline.tick();
    expect(second.poster.take().map((s) => s.message.title)).toEqual(['[FIRING:1] Linux: High CPU utilization (over 90% for 5m)']);
  });

  it('with two replicas on one database, a held alert posts once when the window ends', async (ctx) => {
    if (opened.replica === null) {
      ctx.skip();
      return;
    }
    const other = await opened.replica();
    extra.push(other);
    const clock = new SetClock(at(600));
    const poster = new RecordingPoster();
    const m = maintenance();
    const a = pipeline(store.alerts, { clock, poster, owner: 'a', maintenance: m.port });
    const b = pipeline(other.alerts, { clock, poster, owner: 'b', maintenance: m.port });
    // A Zabbix media type pointed at the load balancer: either replica may get it, here both do.
    await Promise.all([a.pipeline.ingest(zabbix('constructed_value_problem.json', at(600))), b.pipeline.ingest(zabbix('constructed_value_problem.json', at(600)))]);
    clock.set(at(3600));
    await Promise.all([a.pipeline.tick(), b.pipeline.tick(), a.pipeline.tick(), b.pipeline.tick()]);
    expect(poster.take().map((s) => s.message.title)).toEqual(['[FIRING:1] Linux: High CPU utilization (over 90% for 5m)']);
  });

  it('keeps a group open, due at the hold end, when a held alert joins while a flush is closing it', async () => {
    await store.alerts.record([incoming(alert({ instance: 'web-1' }))], at(0));
    await store.alerts.record([incoming(alert({ instance: 'web-1', status: 'resolved' }))], at(10));
    const id = (await store.alerts.openGroups(1))[0]?.id ?? 0;
    const claimed = await store.alerts.claim(id, 'a', at(30), 60_000);
    // The flush saw nothing firing; before it records that, intake adds a held alert to the group.
    await store.alerts.record([{ ...incoming(alert({ instance: 'web-2' })), hold: { until: at(3600), by: 'silence:s1' } }], at(31));
    await store.alerts.flushed(id, 'a', claimed?.version ?? -1, false, null, at(32));
    expect(await store.alerts.group(id)).toMatchObject({ state: 'open', nextFlushAt: at(3600) });
  });

  it('opens no ticket for a held alert until its hold ends (the store offers it to the ticket stage only then)', async () => {
    const hold = { until: at(3600), by: 'maintenance:web@0' };
    await store.alerts.record([{ ...incoming(alert({ instance: 'web-01', startsAt: at(0) })), hold }], at(0));
    const [stored] = await store.alerts.alertsOf((await store.alerts.openGroups(1))[0]?.id ?? 0);
    expect(stored).toMatchObject({ heldUntil: at(3600), heldBy: 'maintenance:web@0' });
    expect(await store.alertTickets.candidates(at(1800), at(1800), null, 10)).toEqual([]);
    expect((await store.alertTickets.candidates(at(3600), at(3600), null, 10)).map((c) => c.fingerprint)).toEqual([stored?.fingerprint]);
    // Ended early: offered from then on.
    await store.alerts.record([{ ...incoming(alert({ instance: 'web-02', startsAt: at(0) })), hold }], at(0));
    expect(await store.alertTickets.candidates(at(1000), at(1000), null, 10)).toEqual([]);
    expect(await store.alerts.endHolds('maintenance:web@0', at(1000))).toBe(2);
    expect(await store.alertTickets.candidates(at(1000), at(1000), null, 10)).toHaveLength(2);
  });
});
