/** Uptime Kuma's webhook notification (JSON or form-data). */
import type { Alert, AlertSeverity } from '../../core/alerts/model.js';
import { firstText, links, makeAlert, oneLine, parseTime, safeUrl } from '../common.js';
import { invalid } from '../errors.js';
import { parseJsonText, type Payload } from '../payload.js';
import type { AlertSource, ParseContext } from '../types.js';
import { checker } from '../validate.js';
import { KumaSchema } from './schema.js';

const check = checker(KumaSchema, 'an Uptime Kuma webhook body');

/** Notices (Test button, certificate/domain expiry) never get an "up": they expire on their own. */
const NOTICE_TTL_MS = 24 * 3_600_000;

const RESERVED = new Set(['alertname', 'monitor', 'monitor_id', 'monitor_type', 'severity']);

function notice(msg: string, ctx: ParseContext): Alert {
  const expiry = /\bwill expire in \d+ days?\b/i.test(msg);
  const test = /\bTesting$/.test(msg);
  const severity: AlertSeverity = expiry ? 'warning' : 'info';
  return makeAlert({
    source: 'uptime-kuma',
    // The day count changes daily; the notice is the same one.
    identity: { notice: msg.replace(/\d+/g, '#') },
    status: 'firing',
    severity,
    labels: { alertname: expiry ? 'ExpiryNotice' : test ? 'TestNotification' : 'UptimeKumaNotice' },
    summary: msg,
    startsAt: ctx.receivedAt,
    endsAt: new Date(ctx.receivedAt.getTime() + NOTICE_TTL_MS),
  });
}

function parseKuma(value: unknown, ctx: ParseContext): Alert[] {
  const body = check(value);
  const { heartbeat, monitor } = body;
  if (heartbeat === null || heartbeat === undefined || monitor === null || monitor === undefined) return [notice(body.msg, ctx)];
  const tagLabels: Record<string, string> = {};
  for (const tag of monitor.tags ?? []) {
    const name = tag.name?.trim();
    if (name !== undefined && name !== '' && !RESERVED.has(name)) tagLabels[name] = firstText(tag.value) ?? 'true';
  }
  // Down and up are the same alert (one per monitor); pending is a warning, maintenance ends it.
  const status = heartbeat.status === 0 || heartbeat.status === 2 ? 'firing' : 'resolved';
  const down = heartbeat.status !== 2;
  const time = parseTime(heartbeat.time);
  return [
    makeAlert({
      source: 'uptime-kuma',
      identity: { monitor_id: String(monitor.id) },
      status,
      severity: down ? 'critical' : 'warning',
      labels: {
        ...tagLabels,
        alertname: 'MonitorDown',
        monitor: monitor.name,
        monitor_id: String(monitor.id),
        ...(monitor.type === undefined ? {} : { monitor_type: monitor.type }),
        ...(firstText(monitor.hostname) === undefined ? {} : { instance: firstText(monitor.hostname) ?? '' }),
      },
      annotations: { ...(heartbeat.msg === undefined ? {} : { message: heartbeat.msg }), ...(firstText(monitor.pathName) === undefined ? {} : { path: monitor.pathName ?? '' }) },
      summary: oneLine(body.msg),
      links: links({ source: safeUrl(monitor.url) }),
      startsAt: status === 'firing' ? time : (parseTime(heartbeat.lastDownTime) ?? null),
      endsAt: status === 'resolved' ? time : null,
    }),
  ];
}

export const uptimeKumaSource: AlertSource = {
  name: 'uptime-kuma',
  accepts: ['json', 'form'],
  parse(payload: Payload, ctx: ParseContext) {
    if (payload.kind === 'json') return parseKuma(payload.value, ctx);
    const data = payload.fields.data;
    if (data === undefined) throw invalid('the form has no `data` field (Uptime Kuma puts its JSON there)');
    return parseKuma(parseJsonText(data), ctx);
  },
};
