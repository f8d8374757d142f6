/**
 * Whether a repeat delivery of an alert says what the store already holds, compared field by field.
 * This runs for every alert in a storm; it replaced a JSON digest per alert, which was the largest
 * share of intake after JSON parsing and made a ~500-byte string of garbage each time (see
 * `npm run bench`). Labels, annotations and links compare as sets of key/value pairs, whatever the
 * order the sender wrote them in.
 */
import type { Alert, AlertLinks, AlertSeverity, AlertStatus, Labels } from './model.js';

/** What the store holds of an alert, kept in intake's memory. */
export interface AlertContent {
  readonly status: AlertStatus;
  readonly severity: AlertSeverity;
  readonly summary: string;
  readonly labels: Labels;
  readonly annotations: Labels;
  readonly links: AlertLinks;
  readonly startsAt: number | null;
  readonly endsAt: number | null;
}

/**
 * A copy, not the parsed alert itself. Besides holding only what is compared, this keeps the
 * parser's objects short-lived: when objects from one allocation site often survive, V8 starts
 * allocating that site's objects straight in the old generation ("pretenuring"), and then every
 * alert of a storm became old-generation garbage, which grew the heap by ~100 MB between full
 * collections (see the RSS figure of `npm run bench`).
 */
export function contentOf(alert: Alert): AlertContent {
  return {
    status: alert.status,
    severity: alert.severity,
    summary: alert.summary,
    labels: { ...alert.labels },
    annotations: { ...alert.annotations },
    links: { ...alert.links },
    startsAt: alert.startsAt?.getTime() ?? null,
    endsAt: alert.endsAt?.getTime() ?? null,
  };
}

export function sameContent(known: AlertContent, b: Alert): boolean {
  return (
    known.status === b.status &&
    known.severity === b.severity &&
    known.summary === b.summary &&
    known.startsAt === (b.startsAt?.getTime() ?? null) &&
    known.endsAt === (b.endsAt?.getTime() ?? null) &&
    samePairs(known.labels, b.labels) &&
    samePairs(known.annotations, b.annotations) &&
    samePairs(known.links, b.links)
  );
}

/**
 * Same keys with the same string values. Every value of these maps is a string, so `a[key] ===
 * b[key]` for all of a's keys means b has them all; b having as many keys then means no others.
 */
function samePairs(left: object, right: object): boolean {
  const a = left as Readonly<Record<string, unknown>>;
  const b = right as Readonly<Record<string, unknown>>;
  let keys = 0;
  for (const key in a) {
    if (a[key] !== b[key]) return false;
    keys += 1;
  }
  for (const _key in b) keys -= 1;
  return keys === 0;
}
