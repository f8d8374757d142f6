/** A real opsbot HTTP server (fastify, loopback, free port) with the alert intake over a real store. */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { alertRoutes } from '../../../src/adapters/alerts/route.js';
import type { AlertsConfig } from '../../../src/config/types.js';
import { silentLogger } from '../../../src/core/log.js';
import type { Store } from '../../../src/core/store.js';
import { createHttpServer } from '../../../src/http/server.js';
import { PromMetrics } from '../../../src/http/metrics.js';
import type { AlertPipeline } from '../../../src/core/alerts/pipeline.js';
import type { Clock } from '../../../src/core/clock.js';

export const TOKEN = 'alert-intake-token-9f2c';
export const HMAC_SECRET = 'grafana-hmac-secret-71aa';

export function alertsConfig(overrides: Partial<AlertsConfig> = {}): AlertsConfig {
  return {
    bodyLimit: 65_536,
    sources: {
      alertmanager: { kind: 'bearer', token: TOKEN },
      grafana: { kind: 'hmac', secret: HMAC_SECRET, header: 'x-grafana-alerting-signature', timestampHeader: null, maxSkew: 300_000 },
      'uptime-kuma': { kind: 'bearer', token: TOKEN },
      zabbix: { kind: 'bearer', token: TOKEN },
      netdata: { kind: 'basic', username: 'netdata', password: 'pw-3141' },
      alerta: { kind: 'bearer', token: TOKEN },
    },
    grouping: { by: ['alertname'], wait: 0, interval: 60_000, repeat: 3_600_000 },
    routes: [],
    defaultTo: ['mattermost:ch-ops'],
    alertmanager: null,
    rateLimits: { mattermost: 1_000, teams: 1_000, shell: 1_000, schedule: 1_000 },
    storm: { threshold: 50, window: 600_000 },
    tick: 1_000,
    ...overrides,
  };
}

export interface Intake {
  readonly url: string;
  readonly http: FastifyInstance;
  close(): Promise<void>;
}

export async function startIntake(options: { store: Store; config: AlertsConfig; pipeline: AlertPipeline | null; clock: Clock }): Promise<Intake> {
  const http = createHttpServer({
    store: options.store,
    metrics: new PromMetrics(options.store),
    logger: silentLogger,
    isDraining: () => false,
    routes: [alertRoutes({ config: options.config, intake: options.pipeline, clock: options.clock, logger: silentLogger })],
  });
  await http.listen({ host: '127.0.0.1', port: 0 });
  const { port } = http.server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, http, close: () => http.close() };
}
