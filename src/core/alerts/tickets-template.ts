/**
 * Ticket titles and descriptions from config templates. The template is the operator's text
 * (Markdown, kept as written); every value taken from an alert is inserted as inert text: Markdown
 * and HTML characters are escaped, and GitLab's references, mentions and quick actions (`@all`,
 * `#12`, `~label`, `/close` at a line start, ...) are broken with a zero-width space, so nothing a
 * monitored system says can notify people, link other issues or act on the issue.
 *
 * Placeholders: `{summary}`, `{severity}`, `{alertname}`, `{source}`, `{fingerprint}`, `{since}`,
 * `{group}` (group id), `{groupTitle}`, `{route}`, `{rule}`, `{count}` (firing alerts at opening),
 * `{label:NAME}`, `{annotation:NAME}`; in descriptions also the blocks `{labels}`, `{annotations}`
 * (tables), `{links}` (runbook, dashboard, ...) and `{alerts}` (the firing alerts). `{{` and `}}`
 * write literal braces.
 */
import { formatTime } from '../format.js';
import type { AlertLinks } from './model.js';
import type { TicketCandidate, TicketSubject } from './tickets.js';

const SCALARS = ['summary', 'severity', 'alertname', 'source', 'fingerprint', 'since', 'group', 'groupTitle', 'route', 'rule', 'count'] as const;
const BLOCKS = ['labels', 'annotations', 'links', 'alerts'] as const;
type Scalar = (typeof SCALARS)[number];
type BlockName = (typeof BLOCKS)[number];

export const MAX_TITLE = 255;
const MAX_DESCRIPTION = 100_000;
const MAX_LISTED_ALERTS = 20;
const ZWSP = '\u200b';

export const DEFAULT_TITLES: Readonly<Record<TicketSubject, string>> = {
  alert: '[{severity}] {summary}',
  group: '[{severity}] {groupTitle}: {count} firing',
};

export const DEFAULT_DESCRIPTIONS: Readonly<Record<TicketSubject, string>> = {
  alert: ['{summary}', '', '- Severity: {severity}', '- Firing since: {since}', '- Source: {source}', '- Alert group: #{group} (route {route})', '', '{labels}', '', '{annotations}', '', '{links}', '', '_Opened by opsbot (rule {rule}); its resolution is commented here._'].join('\n'),
  group: ['{count} alerts firing in {groupTitle}.', '', '- Severity: {severity}', '- Firing since: {since}', '- Alert group: #{group} (route {route})', '', '{alerts}', '', '{links}', '', '_Opened by opsbot (rule {rule}); its resolution is commented here._'].join('\n'),
};

export interface TicketContext {
  readonly rule: string;
  /** The alert that met the rule first (for a group: the oldest matching one). */
  readonly alert: TicketCandidate;
  /** The firing alerts the ticket is about (one for `per: alert`). */
  readonly firing: readonly TicketCandidate[];
  readonly groupTitle: string;
}

const TOKEN = /\{\{|\}\}|\{([^{}]*)\}/g;

function isScalar(name: string): name is Scalar {
  return (SCALARS as readonly string[]).includes(name);
}

function isBlock(name: string): name is BlockName {
  return (BLOCKS as readonly string[]).includes(name);
}

/** What is wrong with a template (unknown placeholders, stray braces); empty when it is fine. */
export function templateProblems(template: string, kind: 'title' | 'description'): string[] {
  const problems: string[] = [];
  const rest = template.replace(TOKEN, (whole, name: string | undefined) => {
    if (name === undefined) return '';
    if (isScalar(name) || /^(?:label|annotation):[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return '';
    if (isBlock(name)) {
      if (kind === 'title') problems.push(`{${name}} is a block and can only be used in a description`);
      return '';
    }
    problems.push(`unknown placeholder ${whole} (use ${SCALARS.map((s) => `{${s}}`).join(', ')}, {label:NAME}, {annotation:NAME}${kind === 'description' ? `, ${BLOCKS.map((b) => `{${b}}`).join(', ')}` : ''})`);
    return '';
  });
  if (/[{}]/.test(rest)) problems.push('has a lone { or } (write {{ or }} for a literal brace)');
  return problems;
}

/** Breaks mentions and references (`@x`, `#1`, `!2`, `~x`, `%x`, `$3`, `&4`) without changing what is shown. */
function breakReferences(text: string): string {
  return text.replace(/[@#!~%$&]/g, (c) => `${c}${ZWSP}`);
}

/** One line of plain text for a title. */
export function plainText(value: string): string {
  return breakReferences(value.replace(/\s+/g, ' ').trim());
}

/** Alert text as inert Markdown: no formatting, HTML, links, references or quick actions. */
export function inertMarkdown(value: string): string {
  const escaped = value.replace(/\r\n?/g, '\n').replace(/[\\`*_{}[\]()<>#+!|~$/&"]/g, (c) => `\\${c}`);
  return breakReferences(escaped);
}

/** A table cell: inert and on one line. */
function cell(value: string): string {
  return inertMarkdown(value.replace(/\s+/g, ' ').trim());
}

function table(rows: Readonly<Record<string, string>>, heading: string): string {
  const entries = Object.entries(rows).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return '';
  return [`| ${heading} | value |`, '| --- | --- |', ...entries.map(([k, v]) => `| ${cell(k)} | ${cell(v)} |`)].join('\n');
}

const LINK_LABELS: Readonly<Record<keyof AlertLinks, string>> = { runbook: 'Runbook', dashboard: 'Dashboard', source: 'Source', silence: 'Silence in source' };

/** http(s) links only (the parsers already saw to that; checked again because rows are input too). */
function linkList(alerts: readonly TicketCandidate[]): string {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const name of Object.keys(LINK_LABELS) as (keyof AlertLinks)[]) {
    for (const a of alerts) {
      const raw = a.links[name];
      if (raw === undefined || seen.has(raw)) continue;
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        continue;
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') continue;
      seen.add(raw);
      // The serialised URL percent-encodes spaces, < and >, so it cannot leave the <...> destination.
      lines.push(`- [${LINK_LABELS[name]}](<${url.toString()}>)`);
      if (lines.length >= 8) return lines.join('\n');
    }
  }
  return lines.join('\n');
}

function alertList(alerts: readonly TicketCandidate[]): string {
  const lines = alerts.slice(0, MAX_LISTED_ALERTS).map((a) => {
    const where = a.labels.instance ?? a.labels.host;
    return `- ${inertMarkdown(`[${a.severity}] ${a.summary}${where === undefined || a.summary.includes(where) ? '' : ` (${where})`}`.replace(/\s+/g, ' '))}`;
  });
  if (alerts.length > MAX_LISTED_ALERTS) lines.push(`- … and ${alerts.length - MAX_LISTED_ALERTS} more`);
  return lines.join('\n');
}

function scalar(name: string, ctx: TicketContext): string {
  const a = ctx.alert;
  if (name.startsWith('label:')) return a.labels[name.slice(6)] ?? '';
  if (name.startsWith('annotation:')) return a.annotations[name.slice(11)] ?? '';
  switch (name as Scalar) {
    case 'summary':
      return a.summary;
    case 'severity':
      return a.severity;
    case 'alertname':
      return a.labels.alertname ?? '';
    case 'source':
      return a.source;
    case 'fingerprint':
      return a.fingerprint;
    case 'since':
      return formatTime(a.since);
    case 'group':
      return String(a.group.id);
    case 'groupTitle':
      return ctx.groupTitle;
    case 'route':
      return a.group.route;
    case 'rule':
      return ctx.rule;
    case 'count':
      return String(ctx.firing.length);
  }
}

function block(name: BlockName, ctx: TicketContext): string {
  switch (name) {
    case 'labels':
      return table(ctx.alert.labels, 'label');
    case 'annotations':
      return table(ctx.alert.annotations, 'annotation');
    case 'links':
      return linkList(ctx.firing.length === 0 ? [ctx.alert] : ctx.firing);
    case 'alerts':
      return alertList(ctx.firing);
  }
}

function expand(template: string, replace: (name: string) => string): string {
  return template.replace(TOKEN, (whole, name: string | undefined) => {
    if (whole === '{{') return '{';
    if (whole === '}}') return '}';
    return replace(name ?? '');
  });
}

export function renderTitle(template: string, ctx: TicketContext): string {
  const title = expand(template, (name) => plainText(scalar(name, ctx))).replace(/\s+/g, ' ').trim();
  const text = title === '' ? plainText(ctx.alert.summary) : title;
  return text.length > MAX_TITLE ? `${text.slice(0, MAX_TITLE - 1)}…` : text;
}

/** The description, ending with the marker (an HTML comment GitLab does not show) that finds the ticket again. */
export function renderDescription(template: string, ctx: TicketContext, marker: string): string {
  const body = expand(template, (name) => (isBlock(name) ? block(name, ctx) : inertMarkdown(scalar(name, ctx))))
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  const clipped = body.length > MAX_DESCRIPTION ? `${body.slice(0, MAX_DESCRIPTION)}\n\n…` : body;
  return `${clipped}\n\n<!-- ${marker} -->`;
}
