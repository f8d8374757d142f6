/** Every alert source opsbot accepts at POST /alerts/:source, by name. */
import type { AlertSourceName } from '../core/alerts/model.js';
import { alertaSource } from './alerta/index.js';
import { alertmanagerSource } from './alertmanager/index.js';
import { genericSource } from './generic/index.js';
import { grafanaSource } from './grafana/index.js';
import { netdataSource } from './netdata/index.js';
import type { AlertSource } from './types.js';
import { uptimeKumaSource } from './uptime-kuma/index.js';
import { zabbixSource } from './zabbix/index.js';

export const alertSources: Readonly<Record<AlertSourceName, AlertSource>> = {
  alertmanager: alertmanagerSource,
  grafana: grafanaSource,
  'uptime-kuma': uptimeKumaSource,
  zabbix: zabbixSource,
  netdata: netdataSource,
  alerta: alertaSource,
  generic: genericSource,
};

export { AlertPayloadError } from './errors.js';
export { decodePayload, type Payload, type PayloadKind } from './payload.js';
export type { AlertSource, ParseContext } from './types.js';
