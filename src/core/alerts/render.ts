/**
 * The chat view of an alert group (one post, edited as it changes) and of a storm digest: colour
 * by the worst firing severity, counts, the top alerts, links, and buttons to ack and silence.
 * Text from sources is shown as plain text; links are http(s) only (the parsers saw to that).
 */
import { formatTime } from '../format.js';
import type { Action, Block, Link, Message, Tone } from '../message.js';
import { formatMatchers, type Matcher } from './matchers.js';
import { mostSevere, severityRank, type AlertSeverity, type Labels } from './model.js';
import { silenceLabels, SOURCE_LABEL } from './silence-view.js';
import type { AlertGroupRecord, GroupSummary, StoredAlert } from './store.js';
import type { TicketLink } from './tickets.js';

const TOP_FIRING = 5;
const TOP_RESOLVED = 3;
const MAX_LINKS = 6;
const MAX_DIGEST_ROWS = 100;

export function toneOf(severity: AlertSeverity | null): Tone {
  if (severity === null) return 'success';
  if (severity === 'critical' || severity === 'error') return 'danger';
  if (severity === 'warning') return 'warning';
  return 'info';
}

/** A word the tokenizer reads back as exactly `text` (single quotes; `'` written as '\''). */
export function shellQuote(text: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

/**
 * The `silence` command for a group: a matcher per grouping label, on what silences see of its alerts
 * (silence-view.ts). The group holds opsbot's values for `severity` and `source`, which its alerts'
 * labels may not: `severity` takes the words its alerts carry (`page` for critical), `source` the
 * reserved source label. Null if it has no labels.
 */
export function silenceCommand(labels: Labels, alerts: readonly StoredAlert[], duration: string, groupId: number): string | null {
  const matchers: Matcher[] = [];
  for (const [name, value] of Object.entries(labels)) {
    if (name === 'source') matchers.push({ name: SOURCE_LABEL, value, isRegex: false, isEqual: true });
    else if (name === 'severity') matchers.push(oneOf(name, alerts.length === 0 ? [value] : alerts.map((a) => silenceLabels(a).severity ?? value)));
    else matchers.push({ name, value, isRegex: false, isEqual: true });
  }
  if (matchers.length === 0 || matchers.every((m) => m.value === '')) return null;
  return `silence ${shellQuote(formatMatchers(matchers))} ${duration} group #${groupId}`;
}

/** `name="v"` for one value, else `name=~"v1|v2"` with each value literal (RE2 metacharacters escaped). */
function oneOf(name: string, values: readonly string[]): Matcher {
  const distinct = [...new Set(values)].sort();
  if (distinct.length === 1) return { name, value: distinct[0] ?? '', isRegex: false, isEqual: true };
  return { name, value: distinct.map((v) => v.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&')).join('|'), isRegex: true, isEqual: true };
}

/**
 * A label value inside one of our lines. Labels may hold any text, line breaks included (summaries
 * are made one line by the parsers; labels are kept as sent): on a line of its own a value would be
 * read by Markdown as a code fence, a heading or a table row, swallowing the rest of the post.
 */
export function inlineText(value: string): string {
  return /[\r\n\t\v\f\u0085\u2028\u2029]/.test(value) ? value.replace(/\s+/g, ' ').trim() : value;
}

export function groupTitle(labels: Labels): string {
  const values = Object.values(labels).filter((v) => v !== '');
  return values.length === 0 ? 'alerts' : inlineText(values.join(' · '));
}

/** Firing alerts whose endsAt has passed count as resolved (Alertmanager's rule). */
export function isFiring(alert: StoredAlert, now: Date): boolean {
  return alert.status === 'firing' && (alert.endsAt === null || alert.endsAt.getTime() > now.getTime());
}

/** Why a firing alert shows up only now: it started while held back (see AlertHold). */
function heldNote(heldBy: string | null): string {
  if (heldBy === null) return '';
  if (heldBy.startsWith('maintenance:')) return ` · started during maintenance of ${inlineText(heldBy.slice('maintenance:'.length).replace(/@\d+$/, ''))}`;
  return ' · started while silenced';
}

function alertLine(alert: StoredAlert, firing: boolean): string {
  const label = alert.labels.instance ?? alert.labels.host ?? alert.labels.monitor;
  const where = label === undefined ? undefined : inlineText(label);
  const repeats = alert.receivedCount > 1 ? ` ×${alert.receivedCount}` : '';
  return `${firing ? `• [${alert.severity}]` : '✓'} ${alert.summary}${where === undefined || alert.summary.includes(where) ? '' : ` (${where})`}${repeats}${firing ? heldNote(alert.heldBy) : ''}`;
}

function linksOf(alerts: readonly StoredAlert[]): Link[] {
  const out: Link[] = [];
  const seen = new Set<string>();
  const add = (label: string, url: string | undefined): void => {
    if (url === undefined || seen.has(url) || out.length >= MAX_LINKS) return;
    seen.add(url);
    out.push({ label, url });
  };
  for (const a of alerts) add('Runbook', a.links.runbook);
  for (const a of alerts) add('Dashboard', a.links.dashboard);
  for (const a of alerts) add('Source', a.links.source);
  for (const a of alerts) add('Silence in source', a.links.silence);
  return out;
}

export function renderGroup(group: AlertGroupRecord, alerts: readonly StoredAlert[], now: Date, tickets: readonly TicketLink[] = []): Message {
  const firing = alerts.filter((a) => isFiring(a, now)).sort((x, y) => severityRank(x.severity) - severityRank(y.severity));
  const resolved = alerts.filter((a) => !isFiring(a, now));
  const worst = firing.length === 0 ? null : mostSevere(firing.map((a) => a.severity));
  const duplicates = alerts.reduce((n, a) => n + a.receivedCount - 1, 0);
  const sources = [...new Set(alerts.map((a) => a.source))].join(', ');
  const status = firing.length === 0 ? 'RESOLVED' : `FIRING:${firing.length}`;
  const since = alerts.reduce<Date | null>((min, a) => (a.startsAt !== null && (min === null || a.startsAt < min) ? a.startsAt : min), null) ?? group.createdAt;

  const counts = [`${firing.length} firing`, `${resolved.length} resolved`, ...(duplicates > 0 ? [`${duplicates} repeats folded`] : [])].join(' · ');
  const lines = [
    ...firing.slice(0, TOP_FIRING).map((a) => alertLine(a, true)),
    ...(firing.length > TOP_FIRING ? [`… and ${firing.length - TOP_FIRING} more firing`] : []),
    ...resolved.slice(0, TOP_RESOLVED).map((a) => alertLine(a, false)),
    ...(resolved.length > TOP_RESOLVED ? [`… and ${resolved.length - TOP_RESOLVED} more resolved`] : []),
  ];
  const blocks: Block[] = [
    { kind: 'text', text: counts },
    {
      kind: 'fields',
      fields: [
        { label: 'Severity', value: worst ?? 'resolved', short: true },
        { label: 'Since', value: formatTime(since), short: true },
        { label: 'Group', value: `#${group.id} (${group.route})`, short: true },
        { label: 'Source', value: sources === '' ? '—' : sources, short: true },
        ...(group.ackedBy === null ? [] : [{ label: 'Acknowledged', value: `${group.ackedBy.name} at ${formatTime(group.ackedAt)}`, short: true }]),
        ...(tickets.length === 0 ? [] : [{ label: tickets.length === 1 ? 'Ticket' : 'Tickets', value: tickets.map((t) => t.label).join(', '), short: true }]),
      ],
    },
    ...(lines.length === 0 ? [] : [{ kind: 'text' as const, text: lines.join('\n') }]),
  ];
  const links = [...tickets.flatMap((t) => (t.url === null ? [] : [{ label: t.label, url: t.url }])), ...linksOf([...firing, ...resolved])];
  if (links.length > 0) blocks.push({ kind: 'links', links });

  const actions: Action[] = [];
  if (firing.length > 0 && group.ackedBy === null) actions.push({ id: `ack-${group.id}`, label: 'Ack', style: 'primary', command: `ack ${group.id}` });
  const silence = firing.length > 0 ? silenceCommand(group.labels, alerts, '1h', group.id) : null;
  if (silence !== null) actions.push({ id: `silence-${group.id}-1h`, label: 'Silence 1h', style: 'danger', command: silence });
  const silence4h = firing.length > 0 ? silenceCommand(group.labels, alerts, '4h', group.id) : null;
  if (silence4h !== null) actions.push({ id: `silence-${group.id}-4h`, label: 'Silence 4h', style: 'default', command: silence4h });

  return { title: `[${status}] ${groupTitle(group.labels)}`, tone: toneOf(worst), blocks, ...(actions.length === 0 ? {} : { actions }) };
}

export function renderDigest(groups: readonly GroupSummary[], openedAt: Date): Message {
  const firingGroups = groups.filter((g) => g.counts.firing > 0);
  const firing = groups.reduce((n, g) => n + g.counts.firing, 0);
  const resolved = groups.reduce((n, g) => n + g.counts.resolved, 0);
  const duplicates = groups.reduce((n, g) => n + g.counts.duplicates, 0);
  const worst = firingGroups.length === 0 ? null : mostSevere(firingGroups.map((g) => g.top?.severity ?? 'unknown'));
  const sorted = [...groups].sort((a, b) => (b.counts.firing > 0 ? 1 : 0) - (a.counts.firing > 0 ? 1 : 0) || severityRank(a.top?.severity ?? 'unknown') - severityRank(b.top?.severity ?? 'unknown') || a.id - b.id);
  const rows = sorted.slice(0, MAX_DIGEST_ROWS).map((g) => [`#${g.id}`, g.top?.severity ?? 'resolved', groupTitle(g.labels), String(g.counts.firing), String(g.counts.resolved), g.top?.summary ?? '']);
  const blocks: Block[] = [
    { kind: 'text', text: `${groups.length} groups since ${formatTime(openedAt)}: ${firing} firing, ${resolved} resolved${duplicates > 0 ? `, ${duplicates} repeats folded` : ''}. Every group is listed by \`alerts\`; \`ack <#>\` and \`silence\` work on them as usual.` },
    { kind: 'table', columns: ['group', 'severity', 'labels', 'firing', 'resolved', 'top alert'], rows },
  ];
  if (groups.length > MAX_DIGEST_ROWS) blocks.push({ kind: 'text', text: `… and ${groups.length - MAX_DIGEST_ROWS} more groups (\`alerts\` lists them all).` });
  return { title: `[STORM] ${firingGroups.length} alert groups firing`, tone: toneOf(worst), blocks };
}
