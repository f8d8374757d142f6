/**
 * The alert post's "Silence 1h/4h" buttons silence the alerts of their group, and nothing else, when
 * the route groups by a field opsbot normalises (`severity`, `source`) rather than by a label the
 * alerts carry as it is; what goes to Alertmanager matches those alerts as Alertmanager sees them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { alertSources } from '../../src/alert-sources/index.js';
import { tokenize } from '../../src/core/args/tokenize.js';
import { matchesAll, parseMatchers, type Matcher } from '../../src/core/alerts/matchers.js';
import type { Alert } from '../../src/core/alerts/model.js';
import type { RoutingSettings } from '../../src/core/alerts/routing.js';
import { createAlertsPort, type SilenceBackend } from '../../src/core/alerts/service.js';
import { alertmanagerMatchers } from '../../src/core/alerts/silence-view.js';
import type { Store } from '../../src/core/store.js';
import { sharedDir } from '../support/shared.js';
import { at, engines, type Opened } from './support/fixtures.js';
import { pipeline } from './support/pipeline.js';

const OLGA = { platform: 'mattermost' as const, id: 'u-olga', name: 'Olga' };

function fixture(source: 'alertmanager' | 'grafana', name: string, receivedAt: Date): Alert[] {
  const body = JSON.parse(readFileSync(join(sharedDir(), 'fixtures', source, name), 'utf8')) as unknown;
  return alertSources[source].parse({ kind: 'json', value: body }, { receivedAt });
}

function groupedBy(by: string[]): RoutingSettings {
  return { routes: [], defaultTo: ['mattermost:ch-ops'], grouping: { by, wait: 0, interval: 60_000, repeat: 3_600_000 } };
}

/** The matchers of the post's "Silence 1h" button, as the silence command will parse them. */
function silenceMatchers(actions: readonly { label: string; command: string }[] | undefined): Matcher[] {
  const command = actions?.find((a) => a.label === 'Silence 1h')?.command;
  expect(command).toBeDefined();
  const words = tokenize(command ?? '').map((t) => t.value);
  expect(words[0]).toBe('silence');
  return parseMatchers(words[1] ?? '');
}

describe.each(engines)('silence buttons on $name', (engine) => {
  let opened: Opened;
  let store: Store;

  beforeEach(async () => {
    opened = await engine.open();
    store = opened.store;
  });

  afterEach(async () => {
    await store.close();
    await opened.dispose();
  });

  async function silenceFor(p: ReturnType<typeof pipeline>['pipeline'], matchers: Matcher[]): Promise<void> {
    await store.alerts.addSilence({ id: 's1', matchers, startsAt: at(0), endsAt: at(7200), createdBy: OLGA, comment: '', inAlertmanager: false, expiredAt: null });
    p.silencesChanged();
  }

  it('by severity: the critical group is silenced whatever word its alerts use (page, critical), and only it', async () => {
    const { pipeline: p, clock, poster } = pipeline(store.alerts, { routing: groupedBy(['severity']) });
    const alerts = ['msteams_large_request.json', 'zulip_fixture_alert_two_firing.json', 'msteams_prom_post_request.json'].flatMap((name) => fixture('alertmanager', name, at(0)));
    const critical = alerts.filter((a) => a.severity === 'critical' && a.status === 'firing');
    const others = alerts.filter((a) => a.severity !== 'critical' && a.status === 'firing');
    // Critical alerts labelled "page" by one Prometheus and "critical" by another: the case this is about.
    expect(new Set(critical.map((a) => a.labels.severity))).toEqual(new Set(['page', 'critical']));
    expect(others.length).toBeGreaterThan(0);
    await p.ingest(alerts);
    clock.set(at(1));
    await p.tick();
    const post = poster.take().find((s) => s.message.title?.endsWith('] critical'));
    const matchers = silenceMatchers(post?.message.actions);

    await silenceFor(p, matchers);
    clock.set(at(60));
    expect(await p.ingest(alerts)).toMatchObject({ silenced: critical.length });

    // Alertmanager gets the same matchers, and they hold for these alerts' own labels there.
    const sent = alertmanagerMatchers(matchers);
    expect(sent).toEqual(matchers);
    for (const a of critical) expect(matchesAll(sent ?? [], a.labels)).toBe(true);
    for (const a of others) expect(matchesAll(sent ?? [], a.labels)).toBe(false);
  });

  it('by source: the Alertmanager group silences Alertmanager alerts, not Grafana ones, and the other way round', async () => {
    const { pipeline: p, clock, poster } = pipeline(store.alerts, { routing: groupedBy(['source']) });
    const fromAm = fixture('alertmanager', 'zulip_fixture_alert_two_firing.json', at(0));
    const fromGrafana = fixture('grafana', 'docs_webhook_notifier_example.json', at(0));
    expect(fromAm.length).toBeGreaterThan(0);
    expect(fromGrafana.length).toBeGreaterThan(0);
    await p.ingest([...fromAm, ...fromGrafana]);
    clock.set(at(1));
    await p.tick();
    const posts = poster.take();
    const amMatchers = silenceMatchers(posts.find((s) => s.message.title?.endsWith('] alertmanager'))?.message.actions);
    const grafanaMatchers = silenceMatchers(posts.find((s) => s.message.title?.endsWith('] grafana'))?.message.actions);

    await silenceFor(p, amMatchers);
    clock.set(at(60));
    expect(await p.ingest(fromAm)).toMatchObject({ silenced: fromAm.filter((a) => a.status === 'firing').length });
    expect(await p.ingest(fromGrafana)).toMatchObject({ silenced: 0 });

    // On the source alone, Alertmanager would have to mute every alert it holds (pages to other
    // receivers too): it gets no silence, and opsbot mutes the group at intake, as above.
    expect(alertmanagerMatchers(amMatchers)).toBeNull();
    // A silence for Grafana's group concerns nothing in Alertmanager.
    expect(alertmanagerMatchers(grafanaMatchers)).toBeNull();
  });
});

describe('silences and Alertmanager', () => {
  it('sends a silence for another source to opsbot only; one for Alertmanager alerts goes there with its source dropped', async () => {
    const created: Matcher[][] = [];
    const backend: SilenceBackend = {
      create: (s) => {
        created.push([...s.matchers]);
        return Promise.resolve('7e5b3b4e-0000-4000-8000-000000000001');
      },
      expire: () => Promise.resolve('expired'),
    };
    const added: unknown[] = [];
    const store = { addSilence: (r: unknown) => Promise.resolve(void added.push(r)) } as unknown as Parameters<typeof createAlertsPort>[0]['store'];
    const port = createAlertsPort({ store, clock: { now: () => at(0) }, backend, onChange: { groupChanged: () => undefined, silencesChanged: () => undefined } });
    const signal = new AbortController().signal;
    const grafana = await port.silence({ matchers: parseMatchers('__source__=grafana,alertname=Disk'), durationMs: 3_600_000, comment: '' }, OLGA, signal);
    expect(grafana.inAlertmanager).toBe(false);
    expect(created).toEqual([]);
    const am = await port.silence({ matchers: parseMatchers('__source__=alertmanager,alertname=Disk'), durationMs: 3_600_000, comment: '' }, OLGA, signal);
    expect(am).toMatchObject({ id: '7e5b3b4e-0000-4000-8000-000000000001', inAlertmanager: true });
    expect(created).toEqual([[{ name: 'alertname', value: 'Disk', isRegex: false, isEqual: true }]]);
    expect(added).toHaveLength(2);
  });
});
