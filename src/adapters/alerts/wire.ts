/**
 * Builds the alert feature from the config: the pipeline (routing, store, poster, timers), the
 * `alerts` port for the commands, the Alertmanager silence client, and the HTTP intake routes.
 * Without an `alerts` section there is no pipeline, the routes answer 404 and the commands say
 * that alerts are not set up.
 */
import type { FastifyInstance } from 'fastify';
import { AlertmanagerClient } from '../../backends/alertmanager/client.js';
import type { AlertsConfig } from '../../config/types.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/log.js';
import type { MaintenancePort } from '../../core/maintenance/port.js';
import type { Notifier } from '../../core/notify.js';
import { AlertPipeline } from '../../core/alerts/pipeline.js';
import { chatPoster, type AlertPoster, type KeyedOutbox } from '../../core/alerts/poster.js';
import { AlertRouter } from '../../core/alerts/routing.js';
import { alertsNotConfigured, createAlertsPort, type AlertsPort } from '../../core/alerts/service.js';
import type { AlertStore } from '../../core/alerts/store.js';
import { alertRoutes } from './route.js';

export interface AlertsWiringDeps {
  readonly config: AlertsConfig | null;
  readonly store: AlertStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly owner: string;
  readonly outbox: KeyedOutbox;
  readonly notifier: Notifier;
  /** Replaces the chat poster (tests, benchmarks). */
  readonly poster?: AlertPoster;
  /** Alerts of targets in maintenance are held back (and summed up when the window ends). */
  readonly maintenance?: Pick<MaintenancePort, 'activeWindows' | 'onEnded'>;
}

export interface AlertsWiring {
  readonly port: AlertsPort;
  /** Null without an `alerts` section. */
  readonly pipeline: AlertPipeline | null;
  /** Adds POST /alerts/:source to the HTTP server. */
  routes(app: FastifyInstance): void;
}

export function wireAlerts(deps: AlertsWiringDeps): AlertsWiring {
  const { config, clock, logger } = deps;
  if (config === null) {
    return { port: alertsNotConfigured, pipeline: null, routes: alertRoutes({ config: null, intake: null, clock, logger }) };
  }
  const pipeline = new AlertPipeline({
    store: deps.store,
    router: new AlertRouter({ routes: config.routes, defaultTo: config.defaultTo, grouping: config.grouping }),
    poster: deps.poster ?? chatPoster(deps.outbox, deps.notifier),
    clock,
    logger: logger.child({ component: 'alerts' }),
    owner: deps.owner,
    settings: { tickMs: config.tick, stormThreshold: config.storm.threshold, stormWindowMs: config.storm.window, rateLimits: config.rateLimits },
    ...(deps.maintenance === undefined ? {} : { maintenance: deps.maintenance }),
  });
  const backend = config.alertmanager === null ? null : new AlertmanagerClient(config.alertmanager);
  const port = createAlertsPort({ store: deps.store, clock, backend, onChange: { groupChanged: () => pipeline.kick(), silencesChanged: () => pipeline.silencesChanged() } });
  return { port, pipeline, routes: alertRoutes({ config, intake: pipeline, clock, logger }) };
}
