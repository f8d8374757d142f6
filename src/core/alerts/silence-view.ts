/**
 * What a silence is matched against, and what of it Alertmanager can be told. An alert's own labels,
 * plus two of opsbot's fields the labels may not hold: `severity` (only when the alert has no such
 * label: its own word, `page` say, is what Alertmanager sees) and the source it came from, under a
 * reserved name no source sends (`__source__`), so a group formed by `source` can be silenced exactly.
 * Alertmanager only knows its own alerts: there a `__source__` matcher is true for `alertmanager` and
 * dropped, and a silence for another source's alerts concerns nothing it holds and stays in opsbot.
 */
import { matchesAll, type Matcher } from './matchers.js';
import type { Alert, Labels } from './model.js';

export const SOURCE_LABEL = '__source__';

export function silenceLabels(alert: Pick<Alert, 'labels' | 'severity' | 'source'>): Labels {
  return { ...alert.labels, severity: alert.labels.severity ?? alert.severity, [SOURCE_LABEL]: alert.source };
}

/**
 * The matchers to send to Alertmanager, or null when it gets no silence: one for another source's
 * alerts concerns nothing it holds, and one on the source alone (a route grouping by `source` only)
 * would mute every alert in Alertmanager, pages to other receivers included: far wider than the
 * group the button was on. opsbot keeps such a silence and mutes the group's alerts at intake.
 */
export function alertmanagerMatchers(matchers: readonly Matcher[]): Matcher[] | null {
  const onSource = matchers.filter((m) => m.name === SOURCE_LABEL);
  if (!matchesAll(onSource, { [SOURCE_LABEL]: 'alertmanager' })) return null;
  const rest = matchers.filter((m) => m.name !== SOURCE_LABEL);
  return rest.length === 0 ? null : rest;
}
