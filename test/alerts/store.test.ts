/**
 * The AlertStore contract on both engines: dedup, group timers (group_wait, group_interval,
 * repeat_interval), flush claims between replicas, closing and reopening, acks, posts, digests
 * and silences.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/core/identity.js';
import type { AlertStore } from '../../src/core/alerts/store.js';
import type { Store } from '../../src/core/store.js';
import { alert, at, engines, incoming, target, type Opened } from './support/fixtures.js';

const olga: Principal = { platform: 'mattermost', id: 'u-olga', name: 'Olga' };

describe.each(engines)('$name alert store', (engine) => {
  let opened: Opened;
  let alerts: AlertStore;
  const extra: Store[] = [];

  beforeEach(async () => {
    opened = await engine.open();
    alerts = opened.store.alerts;
  });

  afterEach(async () => {
    for (const s of extra.splice(0)) await s.close();
    await opened.store.close();
    await opened.dispose();
  });

  it('opens a group for a new firing alert, due after group_wait', async () => {
    expect(await alerts.record([incoming(alert())], at(0))).toEqual(['new']);
    expect(await alerts.due(at(29), 10)).toEqual([]);
    const [group] = await alerts.due(at(30), 10);
    expect(group).toMatchObject({ key: 'ops|HighCPU', route: 'ops', labels: { alertname: 'HighCPU' }, conversations: ['mattermost:ch-ops'], state: 'open', version: 1, flushedVersion: 0, lastFlushAt: null });
    expect(group?.nextFlushAt).toEqual(at(30));
    const stored = await alerts.alertsOf(group?.id ?? 0);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ fingerprint: alert().fingerprint, status: 'firing', severity: 'critical', receivedCount: 1, labels: { alertname: 'HighCPU', instance: 'web-1' } });
    expect(stored[0]?.startsAt).toEqual(at(0));
  });

  it('counts duplicates without changing the group', async () => {
    await alerts.record([incoming(alert())], at(0));
    expect(await alerts.record([incoming(alert()), incoming(alert())], at(5))).toEqual(['duplicate', 'duplicate']);
    const [group] = await alerts.openGroups(10);
    expect(group).toMatchObject({ version: 1, counts: { firing: 1, resolved: 0, duplicates: 2 } });
    expect((await alerts.alertsOf(group?.id ?? 0))[0]?.receivedCount).toBe(3);
  });

  it('a second copy of an alert in the same batch is a duplicate of the first', async () => {
    expect(await alerts.record([incoming(alert()), incoming(alert())], at(0))).toEqual(['new', 'duplicate']);
  });

  it('joins alerts of one key in one group and keeps the first flush time', async () => {
    await alerts.record([incoming(alert({ instance: 'web-1' }))], at(0));
    expect(await alerts.record([incoming(alert({ instance: 'web-2' }))], at(10))).toEqual(['new']);
    const [group] = await alerts.due(at(30), 10);
    expect(group).toMatchObject({ version: 2 });
    expect(group?.nextFlushAt).toEqual(at(30));
    expect((await alerts.alertsOf(group?.id ?? 0)).map((a) => a.labels.instance).sort()).toEqual(['web-1', 'web-2']);
  });

  it('after a flush, changes wait for group_interval and an unchanged firing group repeats after repeat_interval', async () => {
    await alerts.record([incoming(alert())], at(0));
    const group = await alerts.claim((await alerts.due(at(30), 1))[0]?.id ?? 0, 'me', at(30), 60_000);
    expect(group).not.toBeNull();
    await alerts.flushed(group?.id ?? 0, 'me', group?.version ?? 0, true, null, at(30));
    let after = await alerts.group(group?.id ?? 0);
    expect(after).toMatchObject({ flushedVersion: 1, state: 'open' });
    expect(after?.nextFlushAt).toEqual(at(30 + 4 * 3600)); // repeat
    expect(after?.lastFlushAt).toEqual(at(30));

    expect(await alerts.record([incoming(alert({ instance: 'web-9' }))], at(60))).toEqual(['new']);
    after = await alerts.group(group?.id ?? 0);
    expect(after?.nextFlushAt).toEqual(at(330)); // last flush + group_interval
    expect(after?.version).toBe(2);

    // A change long after the interval is due at once.
    await alerts.record([incoming(alert({ instance: 'web-9', status: 'resolved' }))], at(2000));
    expect((await alerts.group(group?.id ?? 0))?.nextFlushAt).toEqual(at(330));
  });

  it('a firing alert that expires (endsAt) brings the next flush forward', async () => {
    await alerts.record([incoming(alert())], at(0));
    const group = await alerts.claim((await alerts.due(at(30), 1))[0]?.id ?? 0, 'me', at(30), 60_000);
    await alerts.flushed(group?.id ?? 0, 'me', 1, true, at(100), at(30));
    expect((await alerts.group(group?.id ?? 0))?.nextFlushAt).toEqual(at(100));
  });

  it('changes during a flush schedule the next one group_interval later', async () => {
    await alerts.record([incoming(alert())], at(0));
    const group = await alerts.claim((await alerts.due(at(30), 1))[0]?.id ?? 0, 'me', at(30), 60_000);
    await alerts.record([incoming(alert({ status: 'resolved' }))], at(31));
    await alerts.flushed(group?.id ?? 0, 'me', group?.version ?? 0, true, null, at(32));
    const after = await alerts.group(group?.id ?? 0);
    expect(after).toMatchObject({ flushedVersion: 1, version: 2, state: 'open' });
    expect(after?.nextFlushAt).toEqual(at(332));
  });

  it('closes a flushed group with nothing firing; the key then opens a new group', async () => {
    await alerts.record([incoming(alert())], at(0));
    await alerts.record([incoming(alert({ status: 'resolved' }))], at(10));
    const group = await alerts.claim((await alerts.due(at(30), 1))[0]?.id ?? 0, 'me', at(30), 60_000);
    await alerts.flushed(group?.id ?? 0, 'me', group?.version ?? 0, false, null, at(30));
    expect(await alerts.group(group?.id ?? 0)).toMatchObject({ state: 'closed', nextFlushAt: null });
    expect(await alerts.openGroups(10)).toEqual([]);
    // The resolved alert again: already told, nothing to do.
    expect(await alerts.record([incoming(alert({ status: 'resolved' }))], at(40))).toEqual(['duplicate']);
    // It fires again: a new incident, a new group.
    expect(await alerts.record([incoming(alert())], at(50))).toEqual(['new']);
    const [reopened] = await alerts.openGroups(10);
    expect(reopened?.id).not.toBe(group?.id);
    expect(reopened?.counts).toEqual({ firing: 1, resolved: 0, duplicates: 0 });
  });

  it('a resolve for an alert never seen firing is stale and stores nothing', async () => {
    expect(await alerts.record([incoming(alert({ status: 'resolved' }))], at(0))).toEqual(['stale']);
    expect(await alerts.openGroups(10)).toEqual([]);
  });

  it('keeps the firing severity when the resolve says none', async () => {
    await alerts.record([incoming(alert({ severity: 'warning' }))], at(0));
    await alerts.record([incoming(alert({ status: 'resolved', severity: 'unknown' }))], at(1));
    const [group] = await alerts.openGroups(10);
    expect((await alerts.alertsOf(group?.id ?? 0))[0]).toMatchObject({ status: 'resolved', severity: 'warning' });
  });

  it('lets one owner claim a due group; others wait for the lease; release gives it back from a time', async () => {
    await alerts.record([incoming(alert())], at(0));
    const id = (await alerts.due(at(30), 1))[0]?.id ?? 0;
    expect(await alerts.claim(id, 'a', at(30), 60_000)).not.toBeNull();
    expect(await alerts.claim(id, 'b', at(31), 60_000)).toBeNull();
    expect(await alerts.due(at(31), 10)).toEqual([]);
    // Only the holder's flush counts.
    await alerts.flushed(id, 'b', 1, true, null, at(31));
    expect((await alerts.group(id))?.flushedVersion).toBe(0);
    await alerts.release(id, 'a', at(40));
    expect(await alerts.claim(id, 'b', at(39), 60_000)).toBeNull();
    expect(await alerts.claim(id, 'b', at(40), 60_000)).not.toBeNull();
    // A lease that ran out can be taken over.
    expect(await alerts.claim(id, 'c', at(40 + 61), 60_000)).not.toBeNull();
  });

  it('records who acknowledged and makes the group due at once', async () => {
    await alerts.record([incoming(alert())], at(0));
    const id = (await alerts.openGroups(1))[0]?.id ?? 0;
    const acked = await alerts.ack(id, olga, at(5));
    expect(acked).toMatchObject({ ackedBy: olga, version: 2 });
    expect(acked?.ackedAt).toEqual(at(5));
    expect(acked?.nextFlushAt).toEqual(at(5));
    expect(await alerts.ack(9999, olga, at(5))).toBeNull();
  });

  it('keeps posts per group and conversation, and digests per conversation', async () => {
    await alerts.record([incoming(alert()), incoming(alert({ name: 'Disk' }), target({ key: 'ops|Disk', labels: { alertname: 'Disk' } }))], at(0));
    const [g1, g2] = (await alerts.openGroups(10)).sort((a, b) => a.id - b.id);
    await alerts.savePost({ groupId: g1?.id ?? 0, conversationKey: 'mattermost:ch-ops', postKey: 'k1', digestId: null });
    await alerts.savePost({ groupId: g1?.id ?? 0, conversationKey: 'mattermost:ch-ops', postKey: 'k1b', digestId: null });
    expect(await alerts.posts(g1?.id ?? 0)).toEqual([{ groupId: g1?.id, conversationKey: 'mattermost:ch-ops', postKey: 'k1b', digestId: null }]);

    expect(await alerts.openDigest('mattermost:ch-ops', at(0), 600_000)).toBeNull();
    const digest = await alerts.createDigest('mattermost:ch-ops', at(0));
    await alerts.savePost({ groupId: g2?.id ?? 0, conversationKey: 'mattermost:ch-ops', postKey: null, digestId: digest.id });
    await alerts.updateDigest(digest.id, 'dk', at(100));
    expect(await alerts.openDigest('mattermost:ch-ops', at(699), 600_000)).toMatchObject({ id: digest.id, postKey: 'dk' });
    expect(await alerts.openDigest('mattermost:ch-ops', at(700), 600_000)).toBeNull();
    expect(await alerts.openDigest('teams:other', at(100), 600_000)).toBeNull();
    const inDigest = await alerts.digestGroups(digest.id);
    expect(inDigest.map((g) => g.id)).toEqual([g2?.id]);
    expect(inDigest[0]).toMatchObject({ counts: { firing: 1, resolved: 0, duplicates: 0 }, top: { severity: 'critical', summary: 'Disk on web-1' } });
  });

  it('keeps silences until they end or are expired', async () => {
    const silence = { id: 's-1', matchers: [{ name: 'alertname', value: 'HighCPU', isRegex: false, isEqual: true }], startsAt: at(0), endsAt: at(3600), createdBy: olga, comment: 'deploy', inAlertmanager: false, expiredAt: null };
    await alerts.addSilence(silence);
    expect(await alerts.activeSilences(at(10))).toEqual([silence]);
    expect(await alerts.activeSilences(at(3600))).toEqual([]);
    expect(await alerts.expireSilence('s-1', at(20))).toMatchObject({ id: 's-1', expiredAt: at(20) });
    expect(await alerts.activeSilences(at(30))).toEqual([]);
    expect(await alerts.expireSilence('s-1', at(40))).toBeNull();
    expect(await alerts.getSilence('s-1')).toMatchObject({ expiredAt: at(20), createdBy: olga });
  });

  it('two replicas recording the same new alert at once open one group and count one duplicate', async (ctx) => {
    if (opened.replica === null) {
      ctx.skip();
      return;
    }
    const second = await opened.replica();
    extra.push(second);
    const batch = Array.from({ length: 20 }, (_, i) => incoming(alert({ instance: `web-${i}` })));
    const [a, b] = await Promise.all([alerts.record(batch, at(0)), second.alerts.record([...batch].reverse(), at(0))]);
    const outcomes = [...(a ?? []), ...(b ?? [])];
    expect(outcomes.filter((o) => o === 'new')).toHaveLength(20);
    expect(outcomes.filter((o) => o === 'duplicate')).toHaveLength(20);
    const groups = await alerts.openGroups(10);
    expect(groups).toHaveLength(1);
    expect(groups[0]?.counts).toEqual({ firing: 20, resolved: 0, duplicates: 20 });
  });
});
