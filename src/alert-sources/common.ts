/** Small conversions every parser shares: times, URLs, label maps, summaries. */
import { labelsFingerprint } from '../core/alerts/fingerprint.js';
import type { Alert, AlertLinks, AlertSeverity, AlertSourceName, AlertStatus, Labels } from '../core/alerts/model.js';

const MAX_LABELS = 64;
const MAX_LABEL_NAME = 128;
const MAX_LABEL_VALUE = 1024;
const MAX_SUMMARY = 500;

const RFC3339 = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:[.,](\d+))?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * RFC 3339 with any number of fraction digits (Go writes nanoseconds), `Z` or an offset; a missing
 * zone means UTC (Uptime Kuma's times). Go's zero time (`0001-01-01T00:00:00Z`, "unset") and
 * anything unreadable are null.
 */
export function parseTime(text: string | null | undefined): Date | null {
  if (text === null || text === undefined) return null;
  // Senders repeat the same times (a firing alert's startsAt, Go's zero endsAt) on every delivery.
  let ms = times.get(text);
  if (ms === undefined) {
    ms = parseTimeMs(text);
    remember(times, text, ms);
  }
  return ms === null ? null : new Date(ms);
}

function parseTimeMs(text: string): number | null {
  const m = RFC3339.exec(text.trim());
  if (m === null) return null;
  const [, date = '', time = '', fraction = '', zone = 'Z'] = m;
  if (date.startsWith('0001-')) return null;
  const ms = fraction === '' ? '' : `.${fraction.slice(0, 3).padEnd(3, '0')}`;
  const offset = zone.toUpperCase() === 'Z' ? 'Z' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
  const parsed = new Date(`${date}T${time}${ms}${offset}`).getTime();
  return Number.isNaN(parsed) ? null : parsed;
}

/**
 * Parsed times and checked URLs, by their text: alert streams repeat the same few (startsAt,
 * endsAt, the runbook, the generator and external URLs) in every delivery, and parsing them again
 * was a tenth of an alert's intake (see `npm run bench`). Bounded: started over when full.
 */
const CACHE_LIMIT = 10_000;
const times = new Map<string, number | null>();
const urls = new Map<string, string | null>();

function remember<V>(cache: Map<string, V>, key: string, value: V): void {
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, value);
}

/** Keeps only absolute http(s) URLs: whatever reaches chat as a link must be safe to click. */
export function safeUrl(text: string | null | undefined): string | undefined {
  if (text === null || text === undefined || text.length > 4096) return undefined;
  let checked = urls.get(text);
  if (checked === undefined) {
    checked = httpUrl(text);
    remember(urls, text, checked);
  }
  return checked ?? undefined;
}

function httpUrl(text: string): string | null {
  try {
    const url = new URL(text.trim());
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.toString() : null;
  } catch {
    return null;
  }
}

export function firstUrl(...candidates: (string | null | undefined)[]): string | undefined {
  for (const c of candidates) {
    const url = safeUrl(c);
    if (url !== undefined) return url;
  }
  return undefined;
}

/** Bounded, string-valued label map; numbers and booleans become text, other values are dropped. */
export function toLabels(input: Readonly<Record<string, unknown>> | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (input === null || input === undefined) return out;
  for (const [name, value] of Object.entries(input)) {
    if (Object.keys(out).length >= MAX_LABELS) break;
    if (name === '' || name.length > MAX_LABEL_NAME) continue;
    if (typeof value === 'string') out[name] = value.slice(0, MAX_LABEL_VALUE);
    else if (typeof value === 'number' || typeof value === 'boolean') out[name] = String(value);
  }
  return out;
}

/** White space other than single spaces between words: only such text needs rewriting. */
const UNTIDY_SPACE = /[^\S ]| {2}|^ | $/;

export function oneLine(text: string): string {
  const line = UNTIDY_SPACE.test(text) ? text.replace(/\s+/g, ' ').trim() : text;
  return line.length > MAX_SUMMARY ? `${line.slice(0, MAX_SUMMARY - 1)}…` : line;
}

export function firstText(...candidates: (string | null | undefined)[]): string | undefined {
  for (const c of candidates) if (c !== null && c !== undefined && c.trim() !== '') return c;
  return undefined;
}

/** Drops undefined links (exactOptionalPropertyTypes: absent, not undefined). */
export function links(parts: { runbook?: string | undefined; dashboard?: string | undefined; silence?: string | undefined; source?: string | undefined }): AlertLinks {
  const out: { -readonly [K in keyof AlertLinks]?: string } = {};
  for (const key of ['runbook', 'dashboard', 'silence', 'source'] as const) {
    const value = parts[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}

export interface AlertDraft {
  readonly source: AlertSourceName;
  /** The source's own id, when it has one. */
  readonly fingerprint?: string | undefined;
  /** Labels that identify the alert when the source has no id (defaults to `labels`). */
  readonly identity?: Labels;
  readonly status: AlertStatus;
  readonly severity: AlertSeverity;
  readonly labels: Labels;
  readonly annotations?: Labels;
  readonly summary?: string | undefined;
  readonly links?: AlertLinks;
  readonly startsAt?: Date | null;
  readonly endsAt?: Date | null;
}

/** Completes a draft: the fingerprint, `alertname` always present, a one-line summary. */
export function makeAlert(draft: AlertDraft): Alert {
  const fingerprint = draft.fingerprint !== undefined && draft.fingerprint.trim() !== '' ? draft.fingerprint.trim().slice(0, 200) : labelsFingerprint(draft.identity ?? draft.labels);
  const alertname = firstText(draft.labels.alertname) ?? '(unnamed)';
  const labels = { ...draft.labels, alertname };
  return {
    source: draft.source,
    fingerprint,
    status: draft.status,
    severity: draft.severity,
    labels,
    annotations: draft.annotations ?? {},
    summary: oneLine(firstText(draft.summary) ?? alertname),
    links: draft.links ?? {},
    startsAt: draft.startsAt ?? null,
    endsAt: draft.endsAt ?? null,
  };
}

/** A body that carries one alert or a list of them. */
export function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}
