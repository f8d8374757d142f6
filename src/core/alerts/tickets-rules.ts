/**
 * Which ticket rule takes an alert, with the routes' semantics: `match` (label = value) and
 * `matchRe` (label =~ anchored regex) must all hold, `severity` and `source` meaning the normalised
 * fields; the first rule that matches wins. A rule with no matchers takes every alert.
 */
import type { TicketCandidate, TicketRule, TicketSubject } from './tickets.js';
import { labelRegex, type LabelRegex } from './label-regex.js';

type Matchable = Pick<TicketCandidate, 'severity' | 'source' | 'labels'>;

function valueOf(alert: Matchable, name: string): string {
  if (name === 'severity') return alert.severity;
  if (name === 'source') return alert.source;
  return alert.labels[name] ?? '';
}

interface CompiledRule {
  readonly rule: TicketRule;
  readonly regexes: readonly (readonly [string, LabelRegex])[];
}

export class TicketRules {
  private readonly compiled: readonly CompiledRule[];

  constructor(readonly rules: readonly TicketRule[]) {
    this.compiled = rules.map((rule) => ({ rule, regexes: Object.entries(rule.matchRe).map(([k, re]) => [k, labelRegex(re)] as const) }));
  }

  /** The first rule whose matchers all hold, or null. */
  ruleFor(alert: Matchable): TicketRule | null {
    const hit = this.compiled.find((c) => Object.entries(c.rule.match).every(([k, v]) => valueOf(alert, k) === v) && c.regexes.every(([k, re]) => re.matches(valueOf(alert, k))));
    return hit?.rule ?? null;
  }

  /** The shortest `after` of any rule: alerts firing for less are not worth a look yet. */
  shortestAfter(): number {
    return this.rules.reduce((min, r) => Math.min(min, r.after), Number.POSITIVE_INFINITY);
  }
}

/**
 * The dedup key of a ticket's subject: the alert (`alert|<source>|<fingerprint>`; sources never
 * contain `|`) or its group (`group|<group key>`, the route and grouping label values).
 */
export function subjectKey(per: TicketSubject, alert: Pick<TicketCandidate, 'source' | 'fingerprint' | 'group'>): string {
  return per === 'alert' ? `alert|${alert.source}|${alert.fingerprint}` : `group|${alert.group.key}`;
}

/** The text in a ticket's description that finds it again (see TicketPort.find). */
export function ticketMarker(token: string): string {
  return `opsbot-alert-ticket-${token}`;
}
