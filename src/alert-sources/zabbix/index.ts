/** Zabbix through a Webhook media type (see ./opsbot-media-type.js and ./README.md). */
import { normaliseSeverity, zabbixSeverity } from '../../core/alerts/severity.js';
import type { Alert } from '../../core/alerts/model.js';
import { firstText, links, makeAlert, parseTime, safeUrl } from '../common.js';
import { invalid } from '../errors.js';
import { parseJsonText, type Payload } from '../payload.js';
import type { AlertSource } from '../types.js';
import { checker } from '../validate.js';
import { ZabbixFlatSchema, ZabbixParamsSchema } from './schema.js';

const checkParams = checker(ZabbixParamsSchema, 'a Zabbix media type body');
const checkFlat = checker(ZabbixFlatSchema, 'a Zabbix webhook body');

/** Zabbix leaves macros it cannot resolve as literal text ("{EVENT.RECOVERY.DATE}"); templates leave placeholders. */
function resolved(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (v === '' || /^\{[A-Z0-9_.$#]+\}$/.test(v) || /^<[^>]*>$/.test(v)) return undefined;
  return v;
}

/** `Problem: X`, `Resolved in 31m 2s: X`, `Updated problem in 12m 3s: X` → X (the default subjects). */
function subjectName(subject: string | undefined): string | undefined {
  return resolved(subject)?.replace(/^(?:Problem|Resolved(?: in [^:]+)?|Updated problem(?: in [^:]+)?):\s*/i, '');
}

/** {EVENT.TAGS}: `name:value,name2:value2`. Tags Zabbix's own media types keep (`__…`) are skipped. */
function tagLabels(tags: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of resolved(tags)?.split(',') ?? []) {
    const [name = '', ...rest] = part.split(':');
    const key = name.trim();
    if (key === '' || key.startsWith('__') || key === 'alertname') continue;
    out[key] = rest.join(':').trim() || 'true';
  }
  return out;
}

function eventLink(zabbixUrl: string | undefined, triggerId: string | undefined, eventId: string): string | undefined {
  const base = safeUrl(resolved(zabbixUrl));
  if (base === undefined || triggerId === undefined || !/^\d+$/.test(triggerId)) return undefined;
  return `${base.replace(/\/$/, '')}/tr_events.php?triggerid=${triggerId}&eventid=${eventId}`;
}

function fromParams(value: unknown): Alert {
  const p = checkParams(value);
  const name = firstText(resolved(p.event_name), subjectName(p.alert_subject), resolved(p.trigger_description)) ?? `Zabbix event ${p.event_id}`;
  const host = resolved(p.host_name);
  const nseverity = resolved(p.event_nseverity);
  const update = resolved(p.event_update_status) === '1';
  return makeAlert({
    source: 'zabbix',
    // {EVENT.ID} is the problem's id, in its recovery and update notifications too.
    fingerprint: p.event_id,
    status: p.event_value === '1' ? 'firing' : 'resolved',
    severity: nseverity === undefined ? normaliseSeverity(resolved(p.event_severity)) : zabbixSeverity(Number(nseverity)),
    labels: {
      ...tagLabels(p.event_tags),
      alertname: name,
      ...(host === undefined ? {} : { instance: host }),
      ...(resolved(p.trigger_id) === undefined ? {} : { trigger_id: resolved(p.trigger_id) ?? '' }),
    },
    annotations: {
      ...(resolved(p.alert_message) === undefined ? {} : { message: resolved(p.alert_message) ?? '' }),
      ...(resolved(p.event_opdata) === undefined ? {} : { opdata: resolved(p.event_opdata) ?? '' }),
      ...(resolved(p.host_ip) === undefined ? {} : { host_ip: resolved(p.host_ip) ?? '' }),
      ...(update ? { update: resolved(p.alert_subject) ?? 'updated' } : {}),
    },
    summary: firstText(host === undefined ? undefined : `${name} on ${host}`, name),
    links: links({ source: eventLink(p.zabbix_url, resolved(p.trigger_id), p.event_id) }),
    startsAt: parseTime(resolved(p.starts_at)),
  });
}

function fromFlat(value: unknown): Alert {
  const f = checkFlat(value);
  const status = f.status.trim().toUpperCase();
  if (!['PROBLEM', 'OK', 'RESOLVED'].includes(status)) throw invalid(`Zabbix status "${f.status}" is not PROBLEM or OK`);
  const link = safeUrl(f.link);
  const triggerId = link === undefined ? undefined : (new URL(link).searchParams.get('triggerid') ?? undefined);
  const name = firstText(f.trigger, f.item) ?? 'Zabbix problem';
  const host = firstText(f.hostname);
  return makeAlert({
    source: 'zabbix',
    // Problem and OK carry different event ids and trigger texts; the trigger id is what they share.
    identity: { host: host ?? '', ...(triggerId === undefined ? { trigger: name } : { trigger_id: triggerId }) },
    status: status === 'PROBLEM' ? 'firing' : 'resolved',
    severity: normaliseSeverity(f.severity),
    labels: { alertname: name, ...(host === undefined ? {} : { instance: host }), ...(firstText(f.item) === undefined ? {} : { item: f.item ?? '' }) },
    summary: host === undefined ? name : `${name} (${host})`,
    links: links({ source: link }),
  });
}

function unwrap(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid('not a Zabbix webhook body: expected a JSON object');
  if ('event_id' in value) return value;
  if ('value' in value && !('status' in value)) {
    const inner = (value).value;
    return typeof inner === 'string' ? parseJsonText(inner) : inner;
  }
  return value;
}

export const zabbixSource: AlertSource = {
  name: 'zabbix',
  accepts: ['json'],
  parse(payload: Payload) {
    if (payload.kind !== 'json') throw invalid('the Zabbix media type sends JSON');
    const body = unwrap(payload.value);
    if (typeof body === 'object' && body !== null && 'event_id' in body) return [fromParams(body)];
    if (typeof body === 'object' && body !== null && 'status' in body) return [fromFlat(body)];
    throw invalid('not a Zabbix webhook body: expected the media type parameters (event_id, event_value, ...) or hostname/status/trigger');
  },
};
