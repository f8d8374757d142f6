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
 * The matchers to send to Alertmanager, or null when the silence cannot match any alert it holds.
 * Every Alertmanager alert has an alertname: it stands in when dropping the source left nothing (a
 * silence needs a matcher that does not match the empty value).
 */
export function alertmanagerMatchers(matchers: readonly Matcher[]): Matcher[] | null {
  const onSource = matchers.filter((m) => m.name === SOURCE_LABEL);
  if (!matchesAll(onSource, { [SOURCE_LABEL]: 'alertmanager' })) return null;
  const rest = matchers.filter((m) => m.name !== SOURCE_LABEL);
  return onSource.length > 0 && rest.length === 0 ? [{ name: 'alertname', value: '.+', isRegex: true, isEqual: true }] : rest;
}
