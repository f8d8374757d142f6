/** Alerta's alert format (also what Netdata Agents send through their Alerta notifier). */
import { normaliseSeverity } from '../../core/alerts/severity.js';
import type { Alert, AlertSourceName } from '../../core/alerts/model.js';
import { firstText, links, makeAlert, parseTime, safeUrl, toLabels } from '../common.js';
import { invalid } from '../errors.js';
import type { Payload } from '../payload.js';
import type { AlertSource } from '../types.js';
import { checker } from '../validate.js';
import { AlertaAlertSchema } from './schema.js';

const check = checker(AlertaAlertSchema, 'an Alerta alert');
const MAX_ALERTS = 10_000;
const RESOLVED_SEVERITIES = new Set(['normal', 'ok', 'cleared']);
const RESOLVED_STATUSES = new Set(['closed', 'expired']);

function fromAlerta(value: unknown, source: AlertSourceName): Alert {
  const a = check(value);
  const environment = firstText(a.environment) ?? '';
  // Alerta de-duplicates on environment + resource + event, and an event listed in `correlate`
  // (HttpServerError / HttpServerOK) changes the same alert: the identity follows that rule.
  const correlate = (a.correlate ?? []).filter((e) => e !== '');
  const eventKey = correlate.includes(a.event) ? [...correlate].sort().join('|') : a.event;
  const severity = (a.severity ?? '').toLowerCase();
  const status = RESOLVED_SEVERITIES.has(severity) || RESOLVED_STATUSES.has((a.status ?? '').toLowerCase()) ? 'resolved' : 'firing';
  const service = (a.service ?? []).join(',');
  const optional = (key: string, v: string | null | undefined): Record<string, string> => (firstText(v) === undefined ? {} : { [key]: v ?? '' });
  return makeAlert({
    source,
    identity: { environment, resource: a.resource, event: eventKey, customer: a.customer ?? '' },
    status,
    severity: status === 'resolved' && RESOLVED_SEVERITIES.has(severity) ? 'unknown' : normaliseSeverity(a.severity),
    labels: { alertname: a.event, instance: a.resource, ...optional('environment', environment), ...optional('service', service), ...optional('group', a.group), ...optional('origin', a.origin) },
    annotations: {
      ...toLabels(a.attributes ?? {}),
      ...(a.value === undefined || a.value === null ? {} : { value: String(a.value) }),
      ...((a.tags ?? []).length === 0 ? {} : { tags: (a.tags ?? []).join(', ') }),
      ...optional('status', a.status),
    },
    summary: firstText(a.text, `${a.event} on ${a.resource}`),
    links: links({ source: safeUrl(a.href) }),
    startsAt: parseTime(a.createTime),
  });
}

function alertsIn(body: unknown): unknown[] {
  if (Array.isArray(body)) return body;
  if (typeof body !== 'object' || body === null) throw invalid('not an Alerta alert: expected a JSON object');
  const o = body as Record<string, unknown>;
  if ('resource' in o || 'event' in o) return [o];
  if (typeof o.alert === 'object' && o.alert !== null) return [o.alert];
  if (Array.isArray(o.alerts)) return o.alerts;
  if (Array.isArray(o.history)) return o.history;
  throw invalid('not an Alerta alert: no resource/event, `alert`, `alerts` or `history` in the body');
}

/** `source`: the route it came in on (Netdata Agents post this format too). */
export function parseAlerta(body: unknown, source: AlertSourceName = 'alerta'): Alert[] {
  const list = alertsIn(body);
  if (list.length > MAX_ALERTS) throw invalid(`more than ${MAX_ALERTS} alerts in one body`);
  return list.map((a) => fromAlerta(a, source));
}

export const alertaSource: AlertSource = {
  name: 'alerta',
  accepts: ['json'],
  parse(payload: Payload) {
    if (payload.kind !== 'json') throw invalid('Alerta sends JSON');
    return parseAlerta(payload.value);
  },
};
