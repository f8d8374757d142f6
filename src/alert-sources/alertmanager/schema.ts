/**
 * What we read of Alertmanager's webhook body (notify/webhook/webhook.go: version "4", groupKey,
 * truncatedAlerts + template.Data). Version "3" bodies (older Alertmanager) have the same fields,
 * but groupKey may be a bare JSON number; groupKey is accepted either way and not used for our
 * grouping. Everything optional that real senders omit (per-alert status, fingerprint,
 * generatorURL, even the top-level status) is optional here.
 */
import { Type } from '@sinclair/typebox';

export const KV = Type.Record(Type.String(), Type.String());
export const Status = Type.Union([Type.Literal('firing'), Type.Literal('resolved')]);

export const AmAlertSchema = Type.Object({
  status: Type.Optional(Status),
  labels: KV,
  annotations: Type.Optional(KV),
  startsAt: Type.Optional(Type.String()),
  endsAt: Type.Optional(Type.String()),
  generatorURL: Type.Optional(Type.String()),
  fingerprint: Type.Optional(Type.String()),
});

export const AmWebhookSchema = Type.Object({
  version: Type.Optional(Type.String()),
  groupKey: Type.Optional(Type.Union([Type.String(), Type.Number()])),
  truncatedAlerts: Type.Optional(Type.Integer({ minimum: 0 })),
  status: Type.Optional(Status),
  receiver: Type.Optional(Type.String()),
  groupLabels: Type.Optional(KV),
  commonLabels: Type.Optional(KV),
  commonAnnotations: Type.Optional(KV),
  externalURL: Type.Optional(Type.String()),
  alerts: Type.Array(AmAlertSchema, { maxItems: 10_000 }),
});
