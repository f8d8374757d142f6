/**
 * The pipeline over a real store: Alertmanager-like timing, dedup, routing, silences, storm
 * folding, pacing, failed posts, restarts and a second replica.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { alertSources } from '../../src/alert-sources/index.js';
import { tokenize } from '../../src/core/args/tokenize.js';
import { parseMatchers } from '../../src/core/alerts/matchers.js';
import type { Window } from '../../src/core/maintenance/types.js';
import type { Store } from '../../src/core/store.js';
import { sharedDir } from '../support/shared.js';
import { alert, at, engines, incoming, type Opened } from './support/fixtures.js';
import { pipeline, RecordingPoster, SetClock } from './support/pipeline.js';

describe.each(engines)('alert pipeline on $name', (engine) => {
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

  it('waits group_wait, then posts one message for the whole group; duplicates post nothing new', async () => {
    const { pipeline: p, clock, poster } = pipeline(store.alerts);
    expect(await p.ingest([alert({ instance: 'web-1' })])).toMatchObject({ received: 1, new: 1 });
    clock.set(at(10));
    expect(await p.ingest([alert({ instance: 'web-2' }), alert({ instance: 'web-1' })])).toMatchObject({ new: 1, duplicates: 1 });
    clock.set(at(29));
    expect((await p.tick()).shown).toBe(0);
    clock.set(at(30));
    expect(await p.tick()).toMatchObject({ flushed: 1, shown: 1 });
    const [post] = poster.take();
    expect(post?.conversation).toEqual({ platform: 'mattermost', id: 'ch-ops' });
    expect(post?.message).toMatchObject({ title: '[FIRING:2] HighCPU', tone: 'danger' });
    expect(JSON.stringify(post?.message.blocks)).toContain('HighCPU on web-1 ×2');

    // The same alerts again and again: counted, never re-posted.
    for (let i = 0; i < 3; i++) {
      clock.set(at(40 + i * 400));
      expect(await p.ingest([alert({ instance: 'web-1' }), alert({ instance: 'web-2' })])).toMatchObject({ duplicates: 2, new: 0, changed: 0 });
      await p.tick();
    }
    expect(poster.take()).toEqual([]);
  });

  it('counts repeats in memory and writes them to the store on the next tick; a changed repeat goes to the store', async () => {
    const { pipeline: p, clock } = pipeline(store.alerts);
    await p.ingest([alert()]);
    for (let i = 0; i < 4; i++) expect(await p.ingest([alert()])).toMatchObject({ duplicates: 1 });
    const id = (await store.alerts.openGroups(1))[0]?.id ?? 0;
    expect((await store.alerts.alertsOf(id))[0]?.receivedCount).toBe(1);
    clock.set(at(1));
    await p.tick();
    expect((await store.alerts.alertsOf(id))[0]?.receivedCount).toBe(5);
    // New words in a repeat are kept (no post): the store sees it.
    expect(await p.ingest([alert({ summary: 'HighCPU on web-1, now 99%' })])).toMatchObject({ duplicates: 1 });
    expect((await store.alerts.alertsOf(id))[0]).toMatchObject({ summary: 'HighCPU on web-1, now 99%', receivedCount: 6 });
  });

  it('writes repeat counts at most every countWriteMs, and whatever is left on stop', async () => {
    let mono = 0;
    const { pipeline: p, clock } = pipeline(store.alerts, { monotonic: () => mono, settings: { countWriteMs: 5_000 } });
    await p.ingest([alert()]);
    const id = (await store.alerts.openGroups(1))[0]?.id ?? 0;
    const count = async (): Promise<number> => (await store.alerts.alertsOf(id))[0]?.receivedCount ?? -1;
    await p.ingest([alert()]);
    clock.set(at(1));
    await p.tick();
    expect(await count()).toBe(2); // the first write is not held back
    await p.ingest([alert()]);
    mono = 4_999;
    clock.set(at(5));
    await p.tick();
    expect(await count()).toBe(2);
    mono = 5_000;
    clock.set(at(6));
    await p.tick();
    expect(await count()).toBe(3);
    await p.ingest([alert()]);
    await p.stop();
    expect(await count()).toBe(4);
  });

  it('asks the store again once its memory of an alert is older than dedupTtl (another replica may have changed it)', async () => {
    let mono = 0;
    const { pipeline: p } = pipeline(store.alerts, { monotonic: () => mono, settings: { dedupTtlMs: 1_000 } });
    await p.ingest([alert()]);
    // Meanwhile another replica records the resolve and the alert firing again.
    await store.alerts.record([incoming(alert({ status: 'resolved' }))], at(1));
    await store.alerts.record([incoming(alert())], at(2));
    const id = (await store.alerts.openGroups(1))[0]?.id ?? 0;
    const before = (await store.alerts.alertsOf(id))[0]?.receivedCount ?? 0;
    mono = 1_001;
    expect(await p.ingest([alert()])).toMatchObject({ duplicates: 1 });
    expect((await store.alerts.alertsOf(id))[0]?.receivedCount).toBe(before + 1);
  });

  it('records deliveries that arrive together in one go, each told what became of its own alerts', async () => {
    // countWriteMs 0: a repeat counted in memory is in the store after the next tick.
    const { pipeline: p, clock, poster } = pipeline(store.alerts, { settings: { countWriteMs: 0 } });
    // Three deliveries at once (one turn of the event loop): the same alert twice, and two others.
    const results = await Promise.all([
      p.ingest([alert({ instance: 'web-1' }), alert({ instance: 'web-2' })]),
      p.ingest([alert({ instance: 'web-1' })]),
      p.ingest([alert({ instance: 'web-3', status: 'resolved' })]),
    ]);
    expect(results.map((r) => r.received)).toEqual([2, 1, 1]);
    // web-1 and web-2 are new once each, whichever delivery got there first (on PostgreSQL the
    // deliveries may reach the store in separate transactions); the second web-1 is a duplicate.
    const total = (key: 'new' | 'duplicates' | 'stale' | 'changed'): number => results.reduce((n, r) => n + r[key], 0);
    expect([total('new'), total('duplicates'), total('stale'), total('changed')]).toEqual([2, 1, 1, 0]);
    expect(results[2]).toMatchObject({ new: 0, stale: 1 });
    clock.set(at(30));
    expect(await p.tick()).toMatchObject({ flushed: 1, shown: 1 });
    expect(poster.take()).toHaveLength(1);
    // The second web-1 is counted by the store when it gets there with the first, or in memory when
    // the first was already recorded by then (on PostgreSQL each delivery's silence lookup is its
    // own query, so the three can drift apart); the tick writes what memory counted.
    const [group] = await store.alerts.openGroups(5);
    const alerts = await store.alerts.alertsOf(group?.id ?? 0);
    expect(alerts.map((a) => [a.labels.instance, a.receivedCount]).sort()).toEqual([
      ['web-1', 2],
      ['web-2', 1],
    ]);
  });

  it('reads the silences once for deliveries that arrive together, and again after a change', async () => {
    const { pipeline: p } = pipeline(store.alerts);
    const reads = vi.spyOn(store.alerts, 'activeSilences');
    try {
      await Promise.all([p.ingest([alert({ instance: 'web-1' })]), p.ingest([alert({ instance: 'web-2' })]), p.ingest([alert({ instance: 'web-3' })])]);
      expect(reads).toHaveBeenCalledTimes(1);
      p.silencesChanged();
      await Promise.all([p.ingest([alert({ instance: 'web-4' })]), p.ingest([alert({ instance: 'web-5' })])]);
      expect(reads).toHaveBeenCalledTimes(2);
    } finally {
      reads.mockRestore();
    }
  });

  it('edits the same post when alerts resolve (after group_interval), then closes the group', async () => {
    const { pipeline: p, clock, poster } = pipeline(store.alerts);
    await p.ingest([alert({ instance: 'web-1' }), alert({ instance: 'web-2' })]);
    clock.set(at(30));
    await p.tick();
    const first = poster.take()[0];
    clock.set(at(60));
    expect(await p.ingest([alert({ instance: 'web-1', status: 'resolved' })])).toMatchObject({ changed: 1 });
    await p.tick();
    expect(poster.take()).toEqual([]); // group_interval (5m) not over
    clock.set(at(330));
    await p.tick();
    const second = poster.take()[0];
    expect(second?.key).toBe(first?.key);
    expect(second?.message.title).toBe('[FIRING:1] HighCPU');
    expect(JSON.stringify(second?.message.blocks)).toContain('✓ HighCPU on web-1');

    clock.set(at(400));
    await p.ingest([alert({ instance: 'web-2', status: 'resolved' })]);
    clock.set(at(630));
    await p.tick();
    const last = poster.take()[0];
    expect(last).toMatchObject({ key: first?.key, message: { title: '[RESOLVED] HighCPU', tone: 'success' } });
    expect(last?.message.actions).toBeUndefined();
    expect(await store.alerts.openGroups(10)).toEqual([]);

    // Firing again later is a new incident: a new post.
    clock.set(at(700));
    await p.ingest([alert({ instance: 'web-1' })]);
    clock.set(at(730));
    await p.tick();
    const again = poster.take()[0];
    expect(again?.key).not.toBe(first?.key);
    expect(again?.message.title).toBe('[FIRING:1] HighCPU');
  });

  it('posts an unchanged firing group again after repeat_interval', async () => {
    const { pipeline: p, clock, poster } = pipeline(store.alerts);
    await p.ingest([alert()]);
    clock.set(at(30));
    await p.tick();
    poster.take();
    clock.set(at(30 + 4 * 3600 - 1));
    await p.tick();
    expect(poster.take()).toEqual([]);
    clock.set(at(30 + 4 * 3600));
    await p.tick();
    expect(poster.take()).toHaveLength(1);
  });

  it('says nothing about a group that fired and resolved within group_wait', async () => {
    const { pipeline: p, clock, poster } = pipeline(store.alerts);
    await p.ingest([alert()]);
    clock.set(at(5));
    await p.ingest([alert({ status: 'resolved' })]);
    clock.set(at(30));
    expect(await p.tick()).toMatchObject({ closedQuietly: 1, shown: 0 });
    expect(poster.take()).toEqual([]);
  });

  it('shows a firing alert whose severity changes (Netdata warning to critical) after group_interval', async () => {
    const { pipeline: p, clock, poster } = pipeline(store.alerts);
    const critical = JSON.parse(readFileSync(join(sharedDir(), 'fixtures', 'netdata', 'constructed_alert_critical.json'), 'utf8')) as Record<string, unknown>;
    const warning = { ...critical, severity: 'warning', message: 'Warning alert on web-01: 10min_cpu_usage = 91.2%', date: '2024-05-14T13:52:11Z' };
    const netdata = (body: unknown) => alertSources.netdata.parse({ kind: 'json', value: body }, { receivedAt: clock.now() });
    await p.ingest(netdata(warning));
    clock.set(at(30));
    await p.tick();
    expect(poster.take()[0]?.message).toMatchObject({ title: '[FIRING:1] 10min_cpu_usage', tone: 'warning' });
    clock.set(at(60));
    expect(await p.ingest(netdata(critical))).toMatchObject({ changed: 1, duplicates: 0 });
    // The same state again is a repeat.
    expect(await p.ingest(netdata(critical))).toMatchObject({ changed: 0, duplicates: 1 });
    clock.set(at(330));
    await p.tick();
    const [post] = poster.take();
    expect(post?.message).toMatchObject({ title: '[FIRING:1] 10min_cpu_usage', tone: 'danger' });
    expect(JSON.stringify(post?.message.blocks)).toContain('[critical] Critical alert on web-01');
  });

  it('treats a firing alert whose endsAt passed as resolved', async () => {
    const { pipeline: p, clock, poster } = pipeline(store.alerts);
    await p.ingest([alert({ endsAt: at(100) })]);
    clock.set(at(30));
    await p.tick();
    expect(poster.take()[0]?.message.title).toBe('[FIRING:1] HighCPU');
    clock.set(at(100));
    await p.tick();
    expect(poster.take()[0]?.message.title).toBe('[RESOLVED] HighCPU');
    expect(await store.alerts.openGroups(10)).toEqual([]);
  });

  it('routes by severity and labels, counts what no route takes', async () => {
    const { pipeline: p, clock, poster } = pipeline(store.alerts, {
      routing: { routes: [{ name: 'db', match: {}, matchRe: { instance: 'db-.*' }, to: ['teams:19:db@thread.v2'], groupBy: ['instance'], wait: 0, interval: 60_000, repeat: 3_600_000 }], defaultTo: [], grouping: { by: ['alertname'], wait: 0, interval: 60_000, repeat: 3_600_000 } },
    });
    expect(await p.ingest([alert({ instance: 'db-1' }), alert({ instance: 'web-1' })])).toMatchObject({ new: 1, unrouted: 1 });
    clock.set(at(0));
    await p.tick();
    const [post] = poster.take();
    expect(post?.conversation).toEqual({ platform: 'teams', id: '19:db@thread.v2' });
    expect(post?.message.title).toBe('[FIRING:1] db-1');
  });

  it('drops silenced alerts at intake', async () => {
    const { pipeline: p } = pipeline(store.alerts);
    await store.alerts.addSilence({ id: 's1', matchers: parseMatchers('instance=~"web-[12]"'), startsAt: at(0), endsAt: at(3600), createdBy: { platform: 'mattermost', id: 'u-olga', name: 'Olga' }, comment: '', inAlertmanager: false, expiredAt: null });
    p.silencesChanged();
    expect(await p.ingest([alert({ instance: 'web-1' }), alert({ instance: 'web-3' })])).toMatchObject({ silenced: 1, new: 1 });
  });

  it('lets the resolve of a posted alert through a silence made after it fired; what fires behind the silence shows when it ends', async () => {
    const { pipeline: p, clock, poster } = pipeline(store.alerts);
    await p.ingest([alert({ instance: 'web-1' })]);
    clock.set(at(30));
    await p.tick();
    expect(poster.take()[0]?.message.title).toBe('[FIRING:1] HighCPU');
    // Someone presses "Silence 1h" on the post; the problem is fixed meanwhile.
    await store.alerts.addSilence({ id: 's1', matchers: parseMatchers('alertname=HighCPU'), startsAt: at(40), endsAt: at(3640), createdBy: { platform: 'mattermost', id: 'u-olga', name: 'Olga' }, comment: '', inAlertmanager: false, expiredAt: null });
    p.silencesChanged();
    clock.set(at(60));
    expect(await p.ingest([alert({ instance: 'web-1', status: 'resolved' })])).toMatchObject({ changed: 1, silenced: 0 });
    // Still silenced: a new firing alert posts nothing.
    expect(await p.ingest([alert({ instance: 'web-2' })])).toMatchObject({ silenced: 1, new: 0 });
    clock.set(at(330));
    await p.tick();
    expect(poster.take().map((s) => s.message.title)).toEqual(['[RESOLVED] HighCPU']);
    // web-2 fires on behind the silence: the group stays open and shows it once the silence ends.
    expect((await store.alerts.openGroups(10)).map((g) => g.counts.firing)).toEqual([1]);
    clock.set(at(3640));
    await p.tick();
    const [after] = poster.take();
    expect(after?.message.title).toBe('[FIRING:1] HighCPU');
    expect(JSON.stringify(after?.message.blocks)).toContain('HighCPU on web-2 · started while silenced');
  });

  it('lets the resolve of a posted alert through a maintenance window that began after it fired', async () => {
    const window: Window = { id: 8, target: 'web', startsAt: at(40), endsAt: at(3600), reason: null, recurring: null, createdBy: 'mattermost:u-olga', createdAt: at(40), matchers: { instance: 'web-1' }, announceTo: [], leadMs: 0, blockDeploys: false, silenceIds: [], endedAt: null, endedBy: null };
    const maintenance = { activeWindows: (t: Date) => (t >= window.startsAt && t < window.endsAt ? [window] : []), onEnded: () => () => undefined };
    const { pipeline: p, clock, poster } = pipeline(store.alerts, { maintenance });
    await p.ingest([alert({ instance: 'web-1' })]);
    clock.set(at(30));
    await p.tick();
    poster.take();
    clock.set(at(60));
    expect(await p.ingest([alert({ instance: 'web-1', status: 'resolved' })])).toMatchObject({ changed: 1, maintenance: 0 });
    clock.set(at(330));
    await p.tick();
    expect(poster.take().map((s) => s.message.title)).toEqual(['[RESOLVED] HighCPU']);
    expect(await store.alerts.openGroups(10)).toEqual([]);
  });

  it('holds back alerts of a target in maintenance and sums them up when the window ends', async () => {
    const window: Window = { id: 7, target: 'db', startsAt: at(0), endsAt: at(3600), reason: null, recurring: null, createdBy: 'mattermost:u-olga', createdAt: at(0), matchers: { instance: 'db-1' }, announceTo: ['mattermost:ch-db', 'mattermost:ch-ops'], leadMs: 0, blockDeploys: false, silenceIds: [], endedAt: null, endedBy: null };
    let ended: ((w: Window) => void) | null = null;
    const maintenance = {
      activeWindows: (t: Date) => (t >= window.startsAt && t < window.endsAt ? [window] : []),
      onEnded: (listener: (w: Window) => void) => {
        ended = listener;
        return () => undefined;
      },
    };
    const { pipeline: p, clock, poster } = pipeline(store.alerts, { maintenance });
    expect(await p.ingest([alert({ instance: 'db-1' }), alert({ instance: 'db-1' }), alert({ name: 'Disk', instance: 'db-1' }), alert({ instance: 'web-1' })])).toMatchObject({ maintenance: 3, new: 1 });
    clock.set(at(30));
    await p.tick();
    expect(poster.take().map((s) => s.message.title)).toEqual(['[FIRING:1] HighCPU']);
    (ended as ((w: Window) => void) | null)?.({ ...window, endedAt: at(3600) });
    await new Promise((resolve) => setImmediate(resolve));
    const [summary, inOps] = poster.take();
    expect(summary).toMatchObject({ conversation: { platform: 'mattermost', id: 'ch-db' }, message: { title: 'Maintenance of db ended' } });
    // Each conversation it was announced to gets a post of its own: one key would edit the first.
    expect(inOps).toMatchObject({ conversation: { platform: 'mattermost', id: 'ch-ops' }, message: { title: 'Maintenance of db ended' } });
    expect(new Set([summary?.key, inOps?.key]).size).toBe(2);
    expect(JSON.stringify(summary?.message.blocks)).toContain('3 alert deliveries were held back');
    expect(JSON.stringify(summary?.message.blocks)).toContain('["HighCPU","2"]');
  });

  it('offers ack and silence buttons whose commands parse back to the group labels', async () => {
    const { pipeline: p, clock, poster } = pipeline(store.alerts);
    await p.ingest([alert({ name: "Disk 'full', really", instance: 'db-1' })]);
    clock.set(at(30));
    await p.tick();
    const actions = poster.take()[0]?.message.actions ?? [];
    const groupId = (await store.alerts.openGroups(1))[0]?.id;
    expect(actions.map((a) => a.command)[0]).toBe(`ack ${groupId}`);
    const silence = tokenize(actions[1]?.command ?? '');
    expect(silence.map((t) => t.value)).toEqual(['silence', `{alertname="Disk 'full', really"}`, '1h', 'group', `#${groupId}`]);
    expect(parseMatchers(silence[1]?.value ?? '')).toEqual([{ name: 'alertname', value: "Disk 'full', really", isRegex: false, isEqual: true }]);
  });

  it('re-renders an acknowledged group at once, naming who', async () => {
    const { pipeline: p, clock, poster } = pipeline(store.alerts);
    await p.ingest([alert()]);
    clock.set(at(30));
    await p.tick();
    poster.take();
    const id = (await store.alerts.openGroups(1))[0]?.id ?? 0;
    clock.set(at(40));
    await store.alerts.ack(id, { platform: 'mattermost', id: 'u-olga', name: 'Olga' }, clock.now());
    await p.tick();
    const [post] = poster.take();
    expect(JSON.stringify(post?.message.blocks)).toContain('Olga at 2026-01-15 10:00:40Z');
    expect(post?.message.actions?.map((a) => a.label)).toEqual(['Silence 1h', 'Silence 4h']);
  });

  it('folds a storm into one digest post that is edited, listing every group', async () => {
    const { pipeline: p, clock, poster } = pipeline(store.alerts, { settings: { stormThreshold: 3 } });
    const storm = Array.from({ length: 40 }, (_, i) => alert({ name: `Alert${i % 10}`, instance: `host-${i}` }));
    expect(await p.ingest(storm)).toMatchObject({ new: 40 });
    clock.set(at(30));
    expect(await p.tick()).toMatchObject({ flushed: 10, shown: 1 });
    const [digest] = poster.take();
    expect(digest?.message.title).toBe('[STORM] 10 alert groups firing');
    const table = digest?.message.blocks.find((b) => b.kind === 'table');
    expect(table?.kind === 'table' ? table.rows.length : 0).toBe(10);
    expect(JSON.stringify(digest?.message.blocks)).toContain('40 firing');

    // More of the storm: the same digest post is edited.
    clock.set(at(60));
    await p.ingest([alert({ name: 'Alert99', instance: 'x' }), alert({ name: 'Alert0', instance: 'late' })]);
    clock.set(at(90));
    await p.tick();
    clock.set(at(330));
    await p.tick();
    const edits = poster.take();
    expect(edits.every((e) => e.key === digest?.key)).toBe(true);
    expect(edits.at(-1)?.message.title).toBe('[STORM] 11 alert groups firing');
    expect(JSON.stringify(edits.at(-1)?.message.blocks)).toContain('42 firing');
    expect((await store.alerts.openGroups(100)).length).toBe(11);

    // After the storm window, a new group gets its own post again.
    clock.set(at(60 + 601));
    await p.ingest([alert({ name: 'Calm', instance: 'one' })]);
    clock.set(at(60 + 631));
    await p.tick();
    const calm = poster.take().find((s) => s.message.title === '[FIRING:1] Calm');
    expect(calm?.key).not.toBe(digest?.key);
  });

  it('paces posts per conversation', async () => {
    let mono = 0;
    const waits: number[] = [];
    const { pipeline: p, clock, poster } = pipeline(store.alerts, {
      settings: { rateLimits: { mattermost: 2, teams: 2, shell: 2, schedule: 2 }, stormThreshold: 100 },
      monotonic: () => mono,
      sleep: (ms) => {
        waits.push(ms);
        mono += ms;
        return Promise.resolve();
      },
    });
    await p.ingest(Array.from({ length: 6 }, (_, i) => alert({ name: `A${i}` })));
    clock.set(at(30));
    await p.tick();
    expect(poster.take()).toHaveLength(6);
    // 2 at once (the burst), then one per 500 ms.
    expect(waits.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1_900);
  });

  it('keeps a group due when its post fails, and posts it once chat is back', async () => {
    const poster = new RecordingPoster();
    const { pipeline: p, clock } = pipeline(store.alerts, { poster });
    await p.ingest([alert()]);
    poster.failing = true;
    clock.set(at(30));
    expect(await p.tick()).toMatchObject({ failed: 1, flushed: 0 });
    poster.failing = false;
    clock.set(at(39));
    expect(await p.tick()).toMatchObject({ flushed: 0 }); // backing off
    clock.set(at(40));
    expect(await p.tick()).toMatchObject({ flushed: 1, shown: 1 });
    expect(poster.take().map((s) => s.message.title)).toEqual(['[FIRING:1] HighCPU']);
  });

  it('after a restart, duplicates still post nothing and the timers carry on', async () => {
    const clock = new SetClock();
    const first = pipeline(store.alerts, { clock });
    await first.pipeline.ingest([alert()]);
    clock.set(at(30));
    await first.pipeline.tick();
    expect(first.poster.take()).toHaveLength(1);
    await first.pipeline.stop();

    const second = pipeline(store.alerts, { clock, owner: 'replica-a-restarted' });
    clock.set(at(60));
    expect(await second.pipeline.ingest([alert()])).toMatchObject({ duplicates: 1 });
    await second.pipeline.tick();
    expect(second.poster.take()).toEqual([]);
    clock.set(at(30 + 4 * 3600));
    await second.pipeline.tick();
    expect(second.poster.take()).toHaveLength(1);
  });

  it('with two replicas, every change is posted exactly once', async (ctx) => {
    if (opened.replica === null) {
      ctx.skip();
      return;
    }
    const other = await opened.replica();
    extra.push(other);
    const clock = new SetClock();
    const poster = new RecordingPoster();
    // Six groups: how the replicas split the claims is up to the race, so no split may look like a storm.
    const settings = { stormThreshold: 100 };
    const a = pipeline(store.alerts, { clock, poster, owner: 'a', settings });
    const b = pipeline(other.alerts, { clock, poster, owner: 'b', settings });
    const batch = Array.from({ length: 30 }, (_, i) => alert({ name: `A${i % 6}`, instance: `h${i}` }));
    // Alertmanager in HA sends the same notification from each peer: both replicas get it.
    await Promise.all([a.pipeline.ingest(batch), b.pipeline.ingest(batch)]);
    clock.set(at(30));
    await Promise.all([a.pipeline.tick(), b.pipeline.tick(), a.pipeline.tick(), b.pipeline.tick()]);
    const shown = poster.take();
    expect(shown.map((s) => s.message.title).sort()).toEqual(['A0', 'A1', 'A2', 'A3', 'A4', 'A5'].map((n) => `[FIRING:5] ${n}`));
    await Promise.all([a.pipeline.ingest(batch), b.pipeline.ingest(batch)]);
    clock.set(at(4000));
    await Promise.all([a.pipeline.tick(), b.pipeline.tick()]);
    expect(poster.take()).toEqual([]);
  });
});
