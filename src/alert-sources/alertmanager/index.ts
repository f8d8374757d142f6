/** Prometheus Alertmanager's webhook receiver (version 4, and the legacy version 3). */
import type { Static } from '@sinclair/typebox';
import { normaliseSeverity } from '../../core/alerts/severity.js';
import type { Alert, AlertSourceName, AlertStatus, Labels } from '../../core/alerts/model.js';
import { firstText, firstUrl, links, makeAlert, parseTime, safeUrl } from '../common.js';
import { invalid } from '../errors.js';
import type { Payload } from '../payload.js';
import type { AlertSource } from '../types.js';
import { checker } from '../validate.js';
import { AmWebhookSchema, type AmAlertSchema } from './schema.js';

const check = checker(AmWebhookSchema, 'an Alertmanager webhook body');

type AmAlert = Static<typeof AmAlertSchema>;

/** Anything JSON would escape (quotes, backslashes, control characters, surrogates). */
// eslint-disable-next-line no-control-regex -- control characters are exactly what must be escaped
const NEEDS_ESCAPING = /["\\\u0000-\u001f\ud800-\udfff]/;

/** Text that encodeURIComponent leaves as it is and JSON needs no escape for: most label names and values. */
const URI_PLAIN = /^[\w.!~*'()-]*$/;

/** A label value in double quotes, as JSON writes it; most values need no escaping at all. */
function quoted(value: string): string {
  return NEEDS_ESCAPING.test(value) ? JSON.stringify(value) : `"${value}"`;
}

/** encodeURIComponent of the quoted value, without the call for the usual plain value. */
function encodedValue(value: string): string {
  return URI_PLAIN.test(value) ? `%22${value}%22` : encodeURIComponent(quoted(value));
}

function encodedName(name: string): string {
  return URI_PLAIN.test(name) ? name : encodeURIComponent(name);
}

/**
 * Alertmanager's UI link that pre-fills a silence for exactly these labels: the filter
 * `{name="value",…}`, URI-encoded. Encoding is per character, so the filter is put together from
 * encoded pieces (`%7B` `{`, `%3D` `=`, `%2C` `,`, `%7D` `}`); this runs for every alert delivered,
 * and encoding the whole filter in one call cost three times as much (see `npm run bench`).
 */
function silenceLink(externalUrl: string | undefined, labels: Labels): string | undefined {
  const base = safeUrl(externalUrl);
  if (base === undefined) return undefined;
  let filter = '%7B';
  let first = true;
  for (const name in labels) {
    filter += `${first ? '' : '%2C'}${encodedName(name)}%3D${encodedValue(labels[name] ?? '')}`;
    first = false;
  }
  return `${base.endsWith('/') ? base.slice(0, -1) : base}/#/silences/new?filter=${filter}%7D`;
}

export function alertStatus(alert: { status?: AlertStatus; endsAt?: string }, top: AlertStatus | undefined): AlertStatus {
  if (alert.status !== undefined) return alert.status;
  if (top !== undefined) return top;
  return parseTime(alert.endsAt) === null ? 'firing' : 'resolved';
}

/** Shared by Grafana's unified alerting, whose body is this shape plus a few fields. */
export function fromAmAlert(source: AlertSourceName, a: AmAlert, top: AlertStatus | undefined, extra: { dashboard?: string | undefined; silence?: string | undefined }): Alert {
  const ann = a.annotations ?? {};
  return makeAlert({
    source,
    fingerprint: a.fingerprint,
    identity: a.labels,
    status: alertStatus(a, top),
    severity: normaliseSeverity(a.labels.severity ?? ann.severity),
    labels: a.labels,
    annotations: ann,
    summary: firstText(ann.summary, ann.message, ann.description, ann.title),
    links: links({
      runbook: firstUrl(ann.runbook_url, ann.runbook, ann.runbookURL, ann.runbookUrl),
      dashboard: extra.dashboard ?? firstUrl(ann.dashboard_url, ann.dashboard, ann.dashboardURL),
      silence: extra.silence,
      source: safeUrl(a.generatorURL),
    }),
    startsAt: parseTime(a.startsAt),
    endsAt: parseTime(a.endsAt),
  });
}

export function parseAlertmanager(value: unknown): Alert[] {
  const body = check(value);
  if (body.version !== undefined && !/^[34]$/.test(body.version)) {
    // Newer versions are expected to stay compatible; older ones (1, 2) predate this shape.
    if (Number(body.version) < 3) throw invalid(`Alertmanager webhook version "${body.version}" is not supported (3 and 4 are)`);
  }
  return body.alerts.map((a) => fromAmAlert('alertmanager', a, body.status, { silence: silenceLink(body.externalURL, a.labels) }));
}

export const alertmanagerSource: AlertSource = {
  name: 'alertmanager',
  accepts: ['json'],
  parse(payload: Payload) {
    if (payload.kind !== 'json') throw invalid('Alertmanager sends JSON');
    return parseAlertmanager(payload.value);
  },
};
