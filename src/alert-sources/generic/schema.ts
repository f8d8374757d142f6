/**
 * opsbot's own alert format, for scripts and systems without a dedicated source:
 *
 *   POST /alerts/generic   Content-Type: application/json
 *   { "alerts": [ {
 *       "status": "firing",                       // or "resolved"                      (required)
 *       "labels": { "alertname": "DiskFull", "instance": "db-1" },  // alertname required
 *       "severity": "critical",                   // critical, error, warning, info, or a word opsbot knows
 *       "summary": "/var at 97% on db-1",
 *       "fingerprint": "db-1-var",                // your id; default: a hash of the labels
 *       "annotations": { "description": "…" },
 *       "links": { "runbook": "https://…", "dashboard": "https://…", "source": "https://…", "silence": "https://…" },
 *       "startsAt": "2026-01-15T10:00:00Z", "endsAt": "2026-01-15T10:30:00Z"
 *   } ] }
 *
 * A single alert object without the `alerts` wrapper is accepted too. Label values are strings.
 */
import { Type } from '@sinclair/typebox';
import { Status } from '../alertmanager/schema.js';

const Text = Type.Optional(Type.String());

export const GenericAlertSchema = Type.Object({
  status: Status,
  labels: Type.Intersect([Type.Object({ alertname: Type.String({ minLength: 1 }) }), Type.Record(Type.String(), Type.String())]),
  severity: Text,
  summary: Text,
  fingerprint: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  annotations: Type.Optional(Type.Record(Type.String(), Type.String())),
  links: Type.Optional(Type.Object({ runbook: Text, dashboard: Text, source: Text, silence: Text })),
  startsAt: Text,
  endsAt: Text,
});

export const GenericBodySchema = Type.Object({
  alerts: Type.Array(GenericAlertSchema, { minItems: 1, maxItems: 10_000 }),
});
