/**
 * Checks that span `retention` and the sections whose data it deletes. A ticket of a closed alert
 * group is reopened when its alert fires again within `alerts.tickets.reopenWithin`; retention deletes
 * a resolved ticket `retention.alerts` after it resolved. Were reopenWithin longer, an alert firing
 * again in between would find no ticket and open a new issue: the setting would silently mean less
 * than it says, so the config is refused instead.
 */
import { formatDuration } from '../duration.js';
import type { AlertsConfig, RetentionConfig } from '../types.js';
import type { SectionProblem } from './section.js';

/** Paths start with the section name. */
export function retentionCrossChecks(config: { readonly alerts: AlertsConfig | null; readonly retention: RetentionConfig }): SectionProblem[] {
  const problems: SectionProblem[] = [];
  const reopenWithin = config.alerts?.tickets?.reopenWithin;
  const kept = config.retention.alerts;
  if (reopenWithin !== undefined && kept !== null && reopenWithin > kept) {
    problems.push({
      path: ['alerts', 'tickets', 'reopenWithin'],
      reason:
        `${formatDuration(reopenWithin)} is longer than retention.alerts (${formatDuration(kept)}), which deletes a resolved ticket that long after it resolved: ` +
        'an alert firing again later would open a new issue instead of reopening it. Shorten alerts.tickets.reopenWithin or lengthen retention.alerts',
    });
  }
  return problems;
}
