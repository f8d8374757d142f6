/** Netdata Cloud webhooks (alerts and reachability), and Agent alarms sent in Alerta's format. */
import { normaliseSeverity } from '../../core/alerts/severity.js';
import type { Alert } from '../../core/alerts/model.js';
import { parseAlerta } from '../alerta/index.js';
import { firstText, links, makeAlert, parseTime, safeUrl } from '../common.js';
import { invalid } from '../errors.js';
import type { Payload } from '../payload.js';
import type { AlertSource } from '../types.js';
import { checker } from '../validate.js';
import { NetdataAlertSchema, NetdataReachabilitySchema } from './schema.js';

const checkAlert = checker(NetdataAlertSchema, 'a Netdata alert notification');
const checkReachability = checker(NetdataReachabilitySchema, 'a Netdata reachability notification');

/**
 * The body names no node. The alert URL carries it as `node=` where Netdata puts it there, else
 * the message ("Critical alert on web-01: …"); without either, alerts of the same name on
 * different nodes of one space share an id.
 */
function nodeOf(alertUrl: string | undefined, message: string): string | undefined {
  const url = safeUrl(alertUrl);
  const fromUrl = url === undefined ? null : new URL(url).searchParams.get('node');
  return firstText(fromUrl, / on ([^\s:]+):/.exec(message)?.[1]);
}

function fromAlert(value: unknown): Alert {
  const a = checkAlert(value);
  const node = nodeOf(a.alert_url, a.message);
  const cleared = ['clear', 'cleared'].includes(a.severity.toLowerCase());
  const optional = (key: string, v: string | undefined): Record<string, string> => (firstText(v) === undefined ? {} : { [key]: v ?? '' });
  const labels = { alertname: a.alert, ...optional('instance', node), ...optional('chart', a.chart), ...optional('context', a.context), ...optional('family', a.family), ...optional('class', a.class), ...optional('space', a.space) };
  return makeAlert({
    source: 'netdata',
    identity: { space: a.space ?? '', node: node ?? '', alert: a.alert, chart: a.chart ?? '' },
    status: cleared ? 'resolved' : 'firing',
    // A clear says nothing about how bad it was; the alert keeps the severity it fired with.
    severity: cleared ? 'unknown' : normaliseSeverity(a.severity),
    labels,
    annotations: { ...optional('info', a.info), ...optional('duration', a.duration) },
    summary: a.message,
    links: links({ source: safeUrl(a.alert_url), dashboard: safeUrl(Object.values(a.Rooms ?? {})[0]) }),
    ...(cleared ? { endsAt: parseTime(a.date) } : { startsAt: parseTime(a.date) }),
  });
}

function fromReachability(value: unknown): Alert {
  const r = checkReachability(value);
  return makeAlert({
    source: 'netdata',
    identity: { reachability: r.host },
    status: r.status.reachable ? 'resolved' : 'firing',
    severity: 'critical',
    labels: { alertname: 'NodeUnreachable', instance: r.host },
    summary: r.message,
    links: links({ source: safeUrl(r.url) }),
  });
}

export const netdataSource: AlertSource = {
  name: 'netdata',
  accepts: ['json'],
  parse(payload: Payload) {
    if (payload.kind !== 'json') throw invalid('Netdata sends JSON');
    const v = payload.value;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalid('not a Netdata notification: expected a JSON object');
    if ('resource' in v && 'event' in v) return parseAlerta(v, 'netdata');
    if ('host' in v && 'status' in v) return [fromReachability(v)];
    return [fromAlert(v)];
  },
};
