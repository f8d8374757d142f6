/**
 * Builds the alert feature from the config: the pipeline (routing, store, poster, timers), the
 * `alerts` port for the commands, the Alertmanager silence client, and the HTTP intake routes.
 * Without an `alerts` section there is no pipeline, the routes answer 404 and the commands say
 * that alerts are not set up.
 */
import type { FastifyInstance } from 'fastify';
import { AlertmanagerClient } from '../../backends/alertmanager/client.js';
import { alertTicketsFromConfig } from '../../backends/gitlab/issues-from-config.js';
import type { AlertFallbackConfig, AlertsConfig } from '../../config/types.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/log.js';
import type { MaintenancePort } from '../../core/maintenance/port.js';
import type { Notifier } from '../../core/notify.js';
import { AlertPipeline } from '../../core/alerts/pipeline.js';
import { chatPoster, type AlertPoster, type KeyedOutbox } from '../../core/alerts/poster.js';
import { AlertRouter } from '../../core/alerts/routing.js';
import { alertsNotConfigured, createAlertsPort, type AlertsPort } from '../../core/alerts/service.js';
import type { AlertStore } from '../../core/alerts/store.js';
import type { AlertTicketStore } from '../../core/alerts/tickets.js';
import type { NewAuditEntry } from '../../core/store.js';
import { AlertThreads, type AlertThreadStore } from '../../core/alerts/thread.js';
import type { FallbackPolicy } from '../../core/outbox/fallback-policy.js';
import { alertRoutes } from './route.js';

export interface AlertsWiringDeps {
  readonly config: AlertsConfig | null;
  readonly store: AlertStore;
  /** What each group post last showed (thread replies); without it there are none. */
  readonly threads?: AlertThreadStore;
  /** Tickets opened for alerts (alerts.tickets); without it there are none. */
  readonly tickets?: AlertTicketStore;
  /** Where ticket actions are audited. */
  readonly audit?: { append(entry: NewAuditEntry): Promise<unknown> };
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
  const poster = deps.poster ?? chatPoster(deps.outbox, deps.notifier, { fallbackFor: fallbackResolver(config) });
  const threads = deps.threads === undefined || config.threadReplies === false ? null : new AlertThreads({ store: deps.threads, alerts: deps.store, poster, logger: logger.child({ component: 'alerts' }) });
  const tickets =
    config.tickets === undefined || deps.tickets === undefined
      ? null
      : alertTicketsFromConfig({ config: config.tickets, store: deps.tickets, alerts: deps.store, clock, logger: logger.child({ component: 'alert-tickets' }), owner: deps.owner, onGroupChanged: () => pipeline.kick(), ...(deps.audit === undefined ? {} : { audit: deps.audit }) });
  const pipeline = new AlertPipeline({
    store: deps.store,
    router: new AlertRouter({ routes: config.routes, defaultTo: config.defaultTo, grouping: config.grouping }),
    poster,
    clock,
    logger: logger.child({ component: 'alerts' }),
    owner: deps.owner,
    settings: { tickMs: config.tick, stormThreshold: config.storm.threshold, stormWindowMs: config.storm.window, rateLimits: config.rateLimits },
    ...(deps.maintenance === undefined ? {} : { maintenance: deps.maintenance }),
    ...(threads === null ? {} : { threads }),
    ...(tickets === null ? {} : { tickets }),
  });
  const backend = config.alertmanager === null ? null : new AlertmanagerClient(config.alertmanager);
  const base = createAlertsPort({ store: deps.store, clock, backend, onChange: { groupChanged: () => pipeline.kick(), silencesChanged: () => pipeline.silencesChanged(), silenceEnded: (id) => pipeline.silenceEnded(id) } });
  const port = threads === null ? base : withSilenceReplies(base, threads, logger);
  return { port, pipeline, routes: alertRoutes({ config, intake: pipeline, clock, logger }) };
}

/** A new silence is told in the thread of each group post it mutes; a failed reply never fails the silence. */
function withSilenceReplies(port: AlertsPort, threads: AlertThreads, logger: Logger): AlertsPort {
  return {
    ...port,
    async silence(request, by, signal) {
      const silence = await port.silence(request, by, signal);
      await threads.silenced(silence).catch((error: unknown) => logger.warn({ err: error, silence: silence.id }, 'silence replies could not be queued'));
      return silence;
    },
  };
}

/** A post's fallback: the first of its groups' routes that names one, else alerts.fallback. */
function fallbackResolver(config: AlertsConfig): (routes: readonly string[]) => FallbackPolicy | null {
  const byRoute = new Map<string, AlertFallbackConfig>();
  for (const route of config.routes) if (route.fallback !== undefined) byRoute.set(route.name, route.fallback);
  const global = config.fallback ?? null;
  if (byRoute.size === 0 && global === null) return () => null;
  return (routes) => {
    for (const name of routes) {
      const own = byRoute.get(name);
      if (own !== undefined) return own;
    }
    return global;
  };
}
