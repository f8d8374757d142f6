/**
 * The one Alert model every source is parsed into. Sources differ in shape, naming and severity
 * words; after parsing, dedup, grouping, routing and rendering see only this.
 */

/** Normalised severities, most severe first. `unknown` when the source said nothing we recognise. */
export const ALERT_SEVERITIES = ['critical', 'error', 'warning', 'info', 'unknown'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

export const ALERT_STATUSES = ['firing', 'resolved'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

export const ALERT_SOURCES = ['alertmanager', 'grafana', 'uptime-kuma', 'zabbix', 'netdata', 'alerta', 'generic'] as const;
export type AlertSourceName = (typeof ALERT_SOURCES)[number];

/** Only http(s) URLs ever get here (parsers drop anything else), so chat can link them safely. */
export interface AlertLinks {
  readonly runbook?: string;
  readonly dashboard?: string;
  readonly silence?: string;
  /** The alert in its own system: Prometheus graph, Grafana rule, Zabbix event, monitor URL. */
  readonly source?: string;
}

export type Labels = Readonly<Record<string, string>>;

export interface Alert {
  readonly source: AlertSourceName;
  /** The source's own id where it has one, else a stable hash of the identifying labels. */
  readonly fingerprint: string;
  readonly status: AlertStatus;
  readonly severity: AlertSeverity;
  /** Identifying and routing labels; `alertname` is always present. */
  readonly labels: Labels;
  /** Descriptive key/values (description, value, ...); never used for identity or routing. */
  readonly annotations: Labels;
  /** One line for chat. */
  readonly summary: string;
  readonly links: AlertLinks;
  readonly startsAt: Date | null;
  /** Null while firing with no known end. A firing alert whose endsAt has passed counts as resolved. */
  readonly endsAt: Date | null;
}

const RANK: Readonly<Record<AlertSeverity, number>> = { critical: 0, error: 1, warning: 2, info: 3, unknown: 4 };

/** Sort key: lower is more severe. */
export function severityRank(severity: AlertSeverity): number {
  return RANK[severity];
}

export function mostSevere(severities: Iterable<AlertSeverity>): AlertSeverity {
  let best: AlertSeverity = 'unknown';
  for (const s of severities) if (RANK[s] < RANK[best]) best = s;
  return best;
}

export function isAlertSeverity(value: string): value is AlertSeverity {
  return (ALERT_SEVERITIES as readonly string[]).includes(value);
}

export function isAlertSourceName(value: string): value is AlertSourceName {
  return (ALERT_SOURCES as readonly string[]).includes(value);
}
