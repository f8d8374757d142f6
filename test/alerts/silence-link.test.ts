/**
 * The "silence" link of an Alertmanager alert: Alertmanager's own UI, pre-filled with a matcher per
 * label, each value quoted as JSON quotes it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAlertmanager } from '../../src/alert-sources/alertmanager/index.js';
import { sharedDir } from '../support/shared.js';

type Body = { externalURL: string; alerts: { labels: Record<string, string> }[] };

function body(file: string): Body {
  return JSON.parse(readFileSync(join(sharedDir(), 'fixtures', 'alertmanager', file), 'utf8')) as Body;
}

/** What the link must be: the filter `{k="v",…}` with JSON quoting, URI-encoded. */
function expectedLink(externalUrl: string, labels: Record<string, string>): string {
  const filter = `{${Object.entries(labels)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(',')}}`;
  return `${externalUrl.replace(/\/$/, '')}/#/silences/new?filter=${encodeURIComponent(filter)}`;
}

describe('the silence link', () => {
  it.each(['msteams_2_alerts.json', 'alerta_test_prometheus_v4_braces_in_annotations.json', 'msteams_12_alerts.json'])('pre-fills every label of %s', (file) => {
    const sent = body(file);
    const alerts = parseAlertmanager(sent);
    expect(alerts.length).toBe(sent.alerts.length);
    alerts.forEach((alert, i) => expect(alert.links.silence).toBe(expectedLink(sent.externalURL, { ...(sent.alerts[i]?.labels ?? {}) })));
  });

  it('quotes values with quotes, backslashes, line breaks and non-ASCII text as JSON does', () => {
    const sent = body('alerta_test_prometheus_v4_braces_in_annotations.json');
    const labels = { ...(sent.alerts[0]?.labels ?? {}), path: 'C:\\logs\\"app"', note: 'line\nbreak', city: 'Łódź' };
    const [alert] = parseAlertmanager({ ...sent, alerts: [{ ...sent.alerts[0], labels }] });
    expect(alert?.links.silence).toBe(expectedLink(sent.externalURL, labels));
  });

  it('encodes what a URI must not carry as it is, and leaves what it may', () => {
    const sent = body('msteams_2_alerts.json');
    const labels = { alertname: 'Disk_full-1.2', 'odd name': 'a b', pct: '100%', marks: "it's (fine)*!~", query: 'a/b?c&d=e#f', plus: '1+1', lone: '\ud800x', empty: '' };
    const [alert] = parseAlertmanager({ ...sent, alerts: [{ ...sent.alerts[0], labels }] });
    expect(alert?.links.silence).toBe(expectedLink(sent.externalURL, labels));
    expect(alert?.links.silence).toContain('%7Balertname%3D%22Disk_full-1.2%22%2Codd%20name%3D%22a%20b%22%2C');
  });
});
