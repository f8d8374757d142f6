/** Alerts: what `#core` exposes to commands (the port, matchers, the model's words). */
export type { AlertsPort } from './service.js';
export type { GroupSummary, AlertGroupRecord, SilenceRecord } from './store.js';
export { parseMatchers, formatMatchers, type Matcher } from './matchers.js';
export { ALERT_SEVERITIES, type AlertSeverity } from './model.js';
export { groupTitle } from './render.js';
