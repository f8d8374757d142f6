/**
 * Alerta's alert (alerta/models/alert.py Alert.parse: resource and event required; correlate,
 * service and tags lists; attributes an object). Accepted as the POST /alert body (what Alerta
 * clients and Netdata's Alerta sender post), wrapped as `{alert}` (Alerta's API answers and its
 * webhook plugins) or `{alerts: []}` (a search result), and as `{history: []}` entries.
 */
import { Type } from '@sinclair/typebox';

const Text = Type.Optional(Type.Union([Type.String(), Type.Null()]));
const TextList = Type.Optional(Type.Union([Type.Array(Type.String()), Type.Null()]));

export const AlertaAlertSchema = Type.Object({
  id: Text,
  resource: Type.String({ minLength: 1 }),
  event: Type.String({ minLength: 1 }),
  environment: Text,
  severity: Text,
  correlate: TextList,
  status: Text,
  service: TextList,
  group: Text,
  value: Type.Optional(Type.Union([Type.String(), Type.Number(), Type.Null()])),
  text: Text,
  tags: TextList,
  attributes: Type.Optional(Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()])),
  origin: Text,
  type: Text,
  createTime: Text,
  updateTime: Text,
  href: Text,
  customer: Text,
});
