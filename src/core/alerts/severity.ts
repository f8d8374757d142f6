/**
 * Severity words from every source, mapped onto the normalised scale. Unknown words become
 * `unknown` rather than a guess, so a route on `severity: critical` never catches them by accident.
 */
import type { AlertSeverity } from './model.js';

const WORDS: Readonly<Record<string, AlertSeverity>> = {
  // Prometheus conventions, PagerDuty, syslog, Alerta's security level
  critical: 'critical',
  crit: 'critical',
  fatal: 'critical',
  emergency: 'critical',
  emerg: 'critical',
  alert: 'critical',
  page: 'critical',
  security: 'critical',
  disaster: 'critical', // Zabbix 5
  p1: 'critical',
  sev1: 'critical',
  error: 'error',
  err: 'error',
  major: 'error', // Alerta
  high: 'error', // Zabbix 4
  severe: 'error',
  p2: 'error',
  sev2: 'error',
  warning: 'warning',
  warn: 'warning',
  minor: 'warning', // Alerta
  average: 'warning', // Zabbix 3
  medium: 'warning',
  p3: 'warning',
  sev3: 'warning',
  info: 'info',
  informational: 'info', // Alerta
  information: 'info', // Zabbix 1
  notice: 'info',
  low: 'info',
  debug: 'info',
  trace: 'info',
  none: 'info',
  ok: 'info',
  normal: 'info',
  cleared: 'info',
  clear: 'info',
  'not classified': 'info', // Zabbix 0
  p4: 'info',
  p5: 'info',
  sev4: 'info',
};

export function normaliseSeverity(word: string | null | undefined): AlertSeverity {
  if (word === null || word === undefined) return 'unknown';
  return WORDS[word.trim().toLowerCase()] ?? 'unknown';
}

/** Zabbix's {EVENT.NSEVERITY}: 0 not classified … 5 disaster. */
export function zabbixSeverity(nseverity: number): AlertSeverity {
  const map: readonly AlertSeverity[] = ['info', 'info', 'warning', 'warning', 'error', 'critical'];
  return map[nseverity] ?? 'unknown';
}
