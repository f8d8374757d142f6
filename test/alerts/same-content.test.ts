/**
 * Intake's memory of what the store holds: a repeat delivery that changes nothing is counted in
 * memory; anything else must reach the store. Alerts come from an upstream Alertmanager payload.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAlertmanager } from '../../src/alert-sources/alertmanager/index.js';
import type { Alert } from '../../src/core/alerts/model.js';
import { contentOf, sameContent } from '../../src/core/alerts/same-content.js';
import { sharedDir } from '../support/shared.js';

function delivered(file = 'msteams_2_alerts.json'): Alert[] {
  return parseAlertmanager(JSON.parse(readFileSync(join(sharedDir(), 'fixtures', 'alertmanager', file), 'utf8')));
}

describe('sameContent', () => {
  it('sees a second delivery of the same body as the same, alert by alert', () => {
    const [first, second] = [delivered(), delivered()];
    expect(first.length).toBe(2);
    first.forEach((alert, i) => expect(sameContent(contentOf(alert), second[i] as Alert)).toBe(true));
    // Different alerts of one body are not the same.
    expect(sameContent(contentOf(first[0] as Alert), first[1] as Alert)).toBe(false);
  });

  it('ignores the order in which the sender wrote labels and annotations', () => {
    const alert = delivered('alerta_test_prometheus_v4_braces_in_annotations.json')[0] as Alert;
    const reversed: Alert = {
      ...alert,
      labels: Object.fromEntries(Object.entries(alert.labels).reverse()),
      annotations: Object.fromEntries(Object.entries(alert.annotations).reverse()),
    };
    expect(Object.keys(reversed.labels)).not.toEqual(Object.keys(alert.labels));
    expect(sameContent(contentOf(alert), reversed)).toBe(true);
    expect(sameContent(contentOf(reversed), alert)).toBe(true);
  });

  it('sees every change the store would record', () => {
    const alert = delivered('alerta_test_prometheus_v4_braces_in_annotations.json')[0] as Alert;
    const changes: Partial<Alert>[] = [
      { status: alert.status === 'firing' ? 'resolved' : 'firing' },
      { severity: alert.severity === 'critical' ? 'warning' : 'critical' },
      { summary: `${alert.summary} (changed)` },
      { labels: { ...alert.labels, extra: 'x' } },
      { labels: Object.fromEntries(Object.entries(alert.labels).filter(([k]) => k !== 'alertname')) },
      // As many labels, one of them under another name.
      { labels: Object.fromEntries(Object.entries(alert.labels).map(([k, v]) => [k === 'alertname' ? 'alert_name' : k, v])) },
      { annotations: { ...alert.annotations, toString: 'shadowing a prototype method' } },
      { annotations: { ...alert.annotations, description: 'new text' } },
      { links: { ...alert.links, runbook: 'https://runbooks.example/other' } },
      { links: {} },
      { startsAt: new Date((alert.startsAt?.getTime() ?? 0) + 1) },
      { startsAt: null },
      { endsAt: new Date('2031-01-01T00:00:00Z') },
    ];
    for (const change of changes) {
      const changed: Alert = { ...alert, ...change };
      expect(sameContent(contentOf(alert), changed), JSON.stringify(change)).toBe(false);
      expect(sameContent(contentOf(changed), alert), JSON.stringify(change)).toBe(false);
    }
  });
});
