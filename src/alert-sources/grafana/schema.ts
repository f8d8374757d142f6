/**
 * Grafana's two webhook bodies.
 * - Unified alerting (Grafana 8+, `version: "1"`): Alertmanager's shape plus orgId, state, title,
 *   message and, per alert, values/valueString, silenceURL, dashboardURL, panelURL, imageURL.
 * - Legacy dashboard alerting (Grafana ≤ 10): one rule per body: ruleId, ruleName, ruleUrl,
 *   state (alerting, ok, no_data, paused, pending), evalMatches and tags.
 */
import { Type } from '@sinclair/typebox';
import { KV, Status } from '../alertmanager/schema.js';

export const GrafanaAlertSchema = Type.Object({
  status: Type.Optional(Status),
  labels: KV,
  annotations: Type.Optional(KV),
  startsAt: Type.Optional(Type.String()),
  endsAt: Type.Optional(Type.String()),
  generatorURL: Type.Optional(Type.String()),
  fingerprint: Type.Optional(Type.String()),
  silenceURL: Type.Optional(Type.String()),
  dashboardURL: Type.Optional(Type.String()),
  panelURL: Type.Optional(Type.String()),
  imageURL: Type.Optional(Type.String()),
  values: Type.Optional(Type.Union([Type.Null(), Type.Record(Type.String(), Type.Number())])),
  valueString: Type.Optional(Type.String()),
});

export const GrafanaUnifiedSchema = Type.Object({
  receiver: Type.Optional(Type.String()),
  status: Type.Optional(Status),
  orgId: Type.Optional(Type.Integer()),
  groupKey: Type.Optional(Type.String()),
  groupLabels: Type.Optional(KV),
  commonLabels: Type.Optional(KV),
  commonAnnotations: Type.Optional(KV),
  externalURL: Type.Optional(Type.String()),
  version: Type.Optional(Type.String()),
  title: Type.Optional(Type.String()),
  state: Type.Optional(Type.String()),
  message: Type.Optional(Type.String()),
  alerts: Type.Array(GrafanaAlertSchema, { maxItems: 10_000 }),
});

const Scalar = Type.Union([Type.String(), Type.Number(), Type.Boolean()]);

export const GrafanaLegacySchema = Type.Object({
  ruleId: Type.Optional(Type.Integer()),
  ruleName: Type.Optional(Type.String()),
  ruleUrl: Type.Optional(Type.String()),
  state: Type.Union([Type.Literal('alerting'), Type.Literal('ok'), Type.Literal('no_data'), Type.Literal('paused'), Type.Literal('pending')]),
  title: Type.Optional(Type.String()),
  message: Type.Optional(Type.String()),
  imageUrl: Type.Optional(Type.String()),
  orgId: Type.Optional(Type.Integer()),
  dashboardId: Type.Optional(Type.Integer()),
  panelId: Type.Optional(Type.Integer()),
  tags: Type.Optional(Type.Record(Type.String(), Scalar)),
  evalMatches: Type.Optional(
    Type.Array(
      Type.Object({
        value: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
        metric: Type.Optional(Type.String()),
        tags: Type.Optional(Type.Union([Type.Null(), Type.Record(Type.String(), Scalar)])),
      }),
      { maxItems: 10_000 },
    ),
  ),
});
