/**
 * Uptime Kuma's "Webhook" notification: `{heartbeat, monitor, msg}` (server/notification-providers/
 * webhook.js), as JSON or as a multipart field `data` holding that JSON. heartbeat.status: 0 down,
 * 1 up, 2 pending, 3 maintenance. heartbeat and monitor are null for the Test button and for
 * certificate/domain expiry notices.
 */
import { Type } from '@sinclair/typebox';

const NullableString = Type.Optional(Type.Union([Type.String(), Type.Null()]));

export const KumaSchema = Type.Object({
  msg: Type.String(),
  heartbeat: Type.Optional(
    Type.Union([
      Type.Null(),
      Type.Object({
        monitorID: Type.Integer(),
        status: Type.Union([Type.Literal(0), Type.Literal(1), Type.Literal(2), Type.Literal(3)]),
        time: Type.Optional(Type.String()),
        msg: Type.Optional(Type.String()),
        lastDownTime: NullableString,
      }),
    ]),
  ),
  monitor: Type.Optional(
    Type.Union([
      Type.Null(),
      Type.Object({
        id: Type.Integer(),
        name: Type.String(),
        type: Type.Optional(Type.String()),
        url: NullableString,
        hostname: NullableString,
        pathName: NullableString,
        tags: Type.Optional(Type.Array(Type.Object({ name: Type.Optional(Type.String()), value: NullableString }))),
      }),
    ]),
  ),
});
