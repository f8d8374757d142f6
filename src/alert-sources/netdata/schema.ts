/**
 * Netdata Cloud's webhook integration (integrations/cloud-notifications: field tables only, no
 * upstream example): alert notifications and reachability notifications. Netdata Agents that
 * notify through their Alerta sender post Alerta's format instead; the netdata source accepts
 * that too (parsed by the alerta source).
 */
import { Type } from '@sinclair/typebox';

const Text = Type.Optional(Type.String());

export const NetdataAlertSchema = Type.Object({
  message: Type.String(),
  alert: Type.String({ minLength: 1 }),
  info: Text,
  chart: Text,
  context: Text,
  space: Text,
  Rooms: Type.Optional(Type.Record(Type.String(), Type.String())),
  family: Text,
  class: Text,
  severity: Type.String(),
  date: Text,
  duration: Text,
  additional_active_critical_alerts: Type.Optional(Type.Integer()),
  additional_active_warning_alerts: Type.Optional(Type.Integer()),
  alert_url: Text,
});

export const NetdataReachabilitySchema = Type.Object({
  message: Type.String(),
  url: Text,
  host: Type.String({ minLength: 1 }),
  severity: Text,
  status: Type.Object({ reachable: Type.Boolean(), text: Text }),
});
