/**
 * Against a REAL Alertmanager (prometheus-alertmanager 0.25 on loopback) whose webhook receiver is
 * opsbot's POST /alerts/alertmanager on a real fastify server: alerts posted to Alertmanager's API
 * arrive, group and resolve in one edited post; `silence` creates a real silence Alertmanager
 * applies and `unsilence` ends it; a re-delivered webhook (an HA peer) posts nothing new.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeAlert } from '../../src/alert-sources/common.js';
import { labelsFingerprint } from '../../src/core/alerts/fingerprint.js';
import { eventually, people, removeTempDirs } from '../support/app.js';
import { startAlertmanager, webhookConfig, freePort, type RunningAlertmanager } from './support/alertmanager.js';
import { startAlertsApp, type AlertsApp } from './support/app.js';
import { alertsConfig, TOKEN } from './support/intake.js';

let am: RunningAlertmanager;
let opsbot: AlertsApp;
/** Raw webhook bodies Alertmanager sent, as received. */
const deliveries: Buffer[] = [];

beforeAll(async () => {
  // Alertmanager needs opsbot's URL and opsbot needs Alertmanager's: opsbot listens on a free port first.
  const config = alertsConfig({
    grouping: { by: ['alertname'], wait: 0, interval: 300, repeat: 3_600_000 },
    tick: 100,
    alertmanager: null,
  });
  const amPort = await freePort();
  opsbot = await startAlertsApp(
    { ...config, alertmanager: { url: `http://127.0.0.1:${amPort}`, bearer: null, timeout: 10_000 } },
    {
      http: (app) => {
        app.addHook('preHandler', (request, _reply, done) => {
          if (request.url === '/alerts/alertmanager' && Buffer.isBuffer(request.body)) deliveries.push(request.body);
          done();
        });
      },
    },
  );
  am = await startAlertmanager(webhookConfig(`${opsbot.url}/alerts/alertmanager`, TOKEN), amPort);
});

afterAll(async () => {
  await opsbot?.close();
  await am?.stop();
  removeTempDirs();
});

async function postToAlertmanager(alerts: object[]): Promise<void> {
  const response = await fetch(`${am.url}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alerts) });
  expect(response.status).toBe(200);
}

function titles(): (string | undefined)[] {
  return opsbot.poster.shown.map((s) => s.message.title);
}

describe('a real Alertmanager → opsbot', () => {
  const labels = (instance: string) => ({ alertname: 'OpsbotE2E', severity: 'critical', instance });

  it('delivers, groups and resolves in one post, with Alertmanager\'s own fingerprints', async () => {
    await postToAlertmanager([
      { labels: labels('web-1'), annotations: { summary: 'web-1 is down', runbook_url: 'https://runbooks.example/web' } },
      { labels: labels('web-2'), annotations: { summary: 'web-2 is down' } },
    ]);
    await eventually(titles, (t) => t.includes('[FIRING:2] OpsbotE2E'), 'the firing group post');
    const post = opsbot.poster.shown.find((s) => s.message.title === '[FIRING:2] OpsbotE2E');
    expect(post?.conversation).toEqual({ platform: 'mattermost', id: 'ch-ops' });
    expect(JSON.stringify(post?.message.blocks)).toContain('https://runbooks.example/web');

    const [group] = await opsbot.app.store.alerts.openGroups(10);
    const stored = await opsbot.app.store.alerts.alertsOf(group?.id ?? 0);
    expect(stored.map((a) => a.fingerprint).sort()).toEqual([labelsFingerprint(labels('web-1')), labelsFingerprint(labels('web-2'))].sort());
    // Alertmanager's externalURL (its host name by default) is where its silence form lives.
    expect(stored.every((a) => /^http:\/\/[^/]+\/#\/silences\/new\?filter=%7B/.test(a.links.silence ?? ''))).toBe(true);

    // Resolve one, then the other: the same post is edited each time.
    const past = new Date(Date.now() - 1000).toISOString();
    await postToAlertmanager([{ labels: labels('web-1'), annotations: { summary: 'web-1 is down' }, endsAt: past }]);
    await eventually(titles, (t) => t.includes('[FIRING:1] OpsbotE2E'), 'one resolved');
    await postToAlertmanager([{ labels: labels('web-2'), annotations: { summary: 'web-2 is down' }, endsAt: past }]);
    await eventually(titles, (t) => t.includes('[RESOLVED] OpsbotE2E'), 'all resolved');
    const keys = new Set(opsbot.poster.shown.filter((s) => s.message.title?.endsWith('OpsbotE2E')).map((s) => s.key));
    expect(keys.size).toBe(1);
    await eventually(() => opsbot.app.store.alerts.openGroups(10), (g) => g.every((x) => x.labels.alertname !== 'OpsbotE2E'), 'the group closed');
  });

  it('posts nothing new when the same webhook arrives again (an HA peer, a retry)', async () => {
    await postToAlertmanager([{ labels: { alertname: 'OpsbotDup', severity: 'warning', instance: 'db-1' }, annotations: { summary: 'db-1 slow' } }]);
    await eventually(titles, (t) => t.includes('[FIRING:1] OpsbotDup'), 'the first post');
    const body = deliveries.find((b) => b.toString('utf8').includes('OpsbotDup'));
    expect(body).toBeDefined();
    const before = opsbot.poster.shown.length;
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`${opsbot.url}/alerts/alertmanager`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: body ?? '' });
      expect(response.status).toBe(202);
      expect(await response.json()).toMatchObject({ received: 1, new: 0, changed: 0, duplicates: 1 });
    }
    await opsbot.app.alerts.pipeline?.tick();
    expect(opsbot.poster.shown.length).toBe(before);
  });

  it('`silence` creates a real Alertmanager silence that mutes matching alerts; `unsilence` ends it', async () => {
    const said = await opsbot.say('silence alertname=OpsbotSilenced,instance=~"db-.*" 1h planned failover');
    expect(said.status).toBe('succeeded');
    const id = /silence ([0-9a-f-]{36})/.exec(said.text)?.[1];
    expect(id, said.text).toBeDefined();

    const silence = (await (await fetch(`${am.url}/api/v2/silence/${id}`)).json()) as { status: { state: string }; matchers: unknown[]; comment: string; createdBy: string };
    expect(silence.status.state).toBe('active');
    expect(silence.comment).toBe('planned failover');
    expect(silence.createdBy).toContain('Olga (mattermost:u-olga)');
    expect(silence.matchers).toEqual([
      { name: 'alertname', value: 'OpsbotSilenced', isRegex: false, isEqual: true },
      { name: 'instance', value: 'db-.*', isRegex: true, isEqual: true },
    ]);

    // Alertmanager applies it: the alert is suppressed there, and opsbot drops it too if it comes in.
    await postToAlertmanager([{ labels: { alertname: 'OpsbotSilenced', severity: 'critical', instance: 'db-2' } }]);
    const state = await eventually(
      async () => ((await (await fetch(`${am.url}/api/v2/alerts?filter=alertname%3D%22OpsbotSilenced%22`)).json()) as { status: { state: string; silencedBy: string[] } }[])[0],
      (a) => a?.status.state === 'suppressed',
      'the alert suppressed in Alertmanager',
    );
    expect(state?.status.silencedBy).toEqual([id]);
    const direct = makeAlert({ source: 'generic', status: 'firing', severity: 'critical', labels: { alertname: 'OpsbotSilenced', instance: 'db-7' } });
    expect(await opsbot.app.alerts.pipeline?.ingest([direct])).toMatchObject({ received: 1, silenced: 1, new: 0 });
    expect((await opsbot.say('silence')).text).toContain(id ?? '?');

    const ended = await opsbot.say(`unsilence ${id}`);
    expect(ended).toMatchObject({ status: 'succeeded' });
    const after = (await (await fetch(`${am.url}/api/v2/silence/${id}`)).json()) as { status: { state: string } };
    expect(after.status.state).toBe('expired');
    // Unsilenced, Alertmanager sends the alert on, and opsbot posts it.
    await eventually(titles, (t) => t.includes('[FIRING:1] OpsbotSilenced'), 'the alert after unsilence');
  });

  it('refuses bad matchers before anything reaches Alertmanager', async () => {
    const before = ((await (await fetch(`${am.url}/api/v2/silences`)).json()) as unknown[]).length;
    for (const text of ['silence alertname 1h', 'silence \'instance=~"("\' 1h', 'silence alertname=~".*" 1h', 'silence alertname=x']) {
      const said = await opsbot.say(text);
      expect(said.status, text).toBe('usage');
    }
    expect(((await (await fetch(`${am.url}/api/v2/silences`)).json()) as unknown[]).length).toBe(before);
  });

  it('`alerts` lists active groups and `ack` records who, re-rendering the post', async () => {
    await postToAlertmanager([{ labels: { alertname: 'OpsbotAck', severity: 'critical', instance: 'q-1' }, annotations: { summary: 'queue stuck' } }]);
    await eventually(titles, (t) => t.includes('[FIRING:1] OpsbotAck'), 'the post');
    const list = await opsbot.say('alerts');
    expect(list.text).toContain('OpsbotAck');
    const group = (await opsbot.app.store.alerts.openGroups(50)).find((g) => g.labels.alertname === 'OpsbotAck');
    const acked = await opsbot.say(`ack ${group?.id}`);
    expect(acked).toMatchObject({ status: 'succeeded' });
    expect(acked.text).toContain(`Alert group #${group?.id} (OpsbotAck) acknowledged by Olga`);
    await eventually(
      () => opsbot.poster.shown.filter((s) => s.message.title === '[FIRING:1] OpsbotAck').at(-1),
      (s) => JSON.stringify(s?.message.blocks).includes('"Acknowledged"'),
      'the acknowledged post',
    );
    const missing = await opsbot.say('ack 999999');
    expect(missing).toMatchObject({ status: 'failed' });
    expect(missing.text).toContain('There is no open alert group #999999.');
    expect((await opsbot.say(`ack ${group?.id}`, people.vera)).status).toBe('denied');
  });
});
