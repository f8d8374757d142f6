/** Builds the alert pipeline's ticket stage from `alerts.tickets`: GitLab issues, kept in the store. */
import type { AlertTicketsConfig } from '../../config/types.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/log.js';
import type { AlertStore } from '../../core/alerts/store.js';
import { TicketStage, type TicketStageDeps } from '../../core/alerts/tickets-stage.js';
import type { AlertTicketStore } from '../../core/alerts/tickets.js';
import { GitlabIssues } from './issues.js';

export interface AlertTicketsWiring {
  readonly config: AlertTicketsConfig;
  readonly store: AlertTicketStore;
  readonly alerts: Pick<AlertStore, 'alertsOf'>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly owner: string;
  readonly onGroupChanged: () => void;
  readonly audit?: TicketStageDeps['audit'];
}

export function alertTicketsFromConfig(wiring: AlertTicketsWiring): TicketStage {
  const { config } = wiring;
  return new TicketStage({
    store: wiring.store,
    alerts: wiring.alerts,
    port: new GitlabIssues({ url: config.gitlab.url, token: config.gitlab.token, requestTimeoutMs: config.gitlab.requestTimeout }),
    clock: wiring.clock,
    logger: wiring.logger,
    owner: wiring.owner,
    // A try may take two requests (look, then create): the lease outlasts both, so no other replica starts the same work meanwhile.
    settings: { rules: config.rules, interval: config.interval, reopenWithin: config.reopenWithin, leaseMs: Math.max(120_000, 3 * config.gitlab.requestTimeout) },
    onGroupChanged: wiring.onGroupChanged,
    ...(wiring.audit === undefined ? {} : { audit: wiring.audit }),
  });
}
