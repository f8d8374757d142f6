/** Grafana: unified alerting's webhook contact point, and the legacy dashboard-alert webhook. */
import { normaliseSeverity } from '../../core/alerts/severity.js';
import type { Alert } from '../../core/alerts/model.js';
import { fromAmAlert } from '../alertmanager/index.js';
import { firstText, firstUrl, links, makeAlert, toLabels } from '../common.js';
import { invalid } from '../errors.js';
import type { Payload } from '../payload.js';
import type { AlertSource } from '../types.js';
import { checker } from '../validate.js';
import { GrafanaLegacySchema, GrafanaUnifiedSchema } from './schema.js';

const checkUnified = checker(GrafanaUnifiedSchema, 'a Grafana alerting webhook body');
const checkLegacy = checker(GrafanaLegacySchema, 'a Grafana (legacy alerting) webhook body');

function parseUnified(value: unknown): Alert[] {
  const body = checkUnified(value);
  return body.alerts.map((a) =>
    fromAmAlert('grafana', a, body.status, {
      dashboard: firstUrl(a.panelURL, a.dashboardURL),
      silence: firstUrl(a.silenceURL),
    }),
  );
}

function parseLegacy(value: unknown): Alert[] {
  const body = checkLegacy(value);
  const tags = toLabels(body.tags);
  const alertname = firstText(body.ruleName, body.title) ?? 'Grafana alert';
  const labels = { ...tags, alertname, ...(body.ruleId === undefined ? {} : { rule_id: String(body.ruleId) }) };
  const metrics = (body.evalMatches ?? []).slice(0, 10).map((m) => `${m.metric ?? '?'}=${m.value ?? 'null'}`);
  return [
    makeAlert({
      source: 'grafana',
      // A legacy rule is one alert: its id (or name) identifies it whatever its tags say now.
      identity: { legacy_rule: body.ruleId === undefined ? alertname : String(body.ruleId), ...(body.orgId === undefined ? {} : { org: String(body.orgId) }) },
      status: body.state === 'ok' || body.state === 'paused' ? 'resolved' : 'firing',
      severity: normaliseSeverity(tags.severity),
      labels,
      annotations: { ...(body.message === undefined ? {} : { message: body.message }), ...(metrics.length === 0 ? {} : { values: metrics.join(', ') }), state: body.state },
      summary: firstText(body.message, body.title, alertname),
      links: links({ source: firstUrl(body.ruleUrl), dashboard: firstUrl(body.ruleUrl) }),
    }),
  ];
}

export const grafanaSource: AlertSource = {
  name: 'grafana',
  accepts: ['json'],
  parse(payload: Payload) {
    if (payload.kind !== 'json') throw invalid('Grafana sends JSON');
    const value = payload.value;
    const unified = typeof value === 'object' && value !== null && 'alerts' in value;
    return unified ? parseUnified(value) : parseLegacy(value);
  },
};
