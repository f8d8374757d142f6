/**
 * Zabbix has no fixed webhook body: a Webhook media type posts whatever its script builds. We
 * accept the common shapes:
 * - the media type's parameters as a flat JSON object of strings (what ./opsbot-media-type.js
 *   sends, and the convention of ../shared/contracts/alerts/zabbix-webhook.schema.json), also
 *   wrapped as `{ "value": <that object or its JSON text> }` (the script's raw `value`);
 * - the short flat shape several chat integrations document: hostname, severity, status
 *   (PROBLEM/OK), item, trigger, link.
 */
import { Type } from '@sinclair/typebox';

const Text = Type.Optional(Type.String());

export const ZabbixParamsSchema = Type.Object({
  event_id: Type.String({ pattern: '^[0-9]+$' }),
  event_value: Type.Union([Type.Literal('0'), Type.Literal('1')]),
  event_update_status: Text,
  event_severity: Text,
  event_nseverity: Type.Optional(Type.String({ pattern: '^[0-5]$' })),
  event_source: Text,
  event_name: Text,
  event_tags: Text,
  event_opdata: Text,
  starts_at: Text,
  host_name: Text,
  host_ip: Text,
  trigger_id: Text,
  trigger_description: Text,
  zabbix_url: Text,
  alert_subject: Text,
  alert_message: Text,
});

export const ZabbixFlatSchema = Type.Object({
  status: Type.String({ minLength: 1 }),
  severity: Text,
  hostname: Text,
  item: Text,
  trigger: Text,
  link: Text,
});
