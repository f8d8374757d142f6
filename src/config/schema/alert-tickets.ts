/**
 * `alerts.tickets`: GitLab issues for alerts that match a rule and keep firing (e.g. critical for
 * 10 minutes). One GitLab server (url + token, like a GitLab pipeline's), a default project, and
 * rules matched like routes; the first rule that matches an alert decides.
 */
import { Type, type Static } from '@sinclair/typebox';
import { DEFAULT_DESCRIPTIONS, DEFAULT_TITLES, templateProblems } from '../../core/alerts/tickets-template.js';
import { TICKET_SUBJECTS, type TicketRule } from '../../core/alerts/tickets.js';
import { compileLabelRegex } from '../../core/alerts/label-regex.js';
import type { AlertTicketsConfig } from '../types.js';
import { Duration, durationMs } from './duration.js';
import { StringEnum } from './primitives.js';
import type { SectionProblem } from './section.js';
import { HttpUrl } from './url.js';

const DEFAULTS = { interval: '15s', reopenWithin: '1h', after: '10m', requestTimeout: '30s' } as const;

// `${` too, so editors checking the file as written accept `url: ${GITLAB_URL}` (values are substituted before validation).
const GitlabUrl = HttpUrl('GitLab root URL, e.g. https://gitlab.example.com.');

const Project = (description: string) =>
  Type.String({
    // No segment starts with a dot: `..` never reaches a URL, even encoded.
    pattern: '^(?:\\d+|[A-Za-z0-9_-][A-Za-z0-9._-]*(?:/[A-Za-z0-9_-][A-Za-z0-9._-]*)+)$',
    patternErrorMessage: 'is not a project (use its numeric id or group/project path)',
    description,
  });

const IssueLabel = Type.String({ pattern: '^[^,\\n\\r]{1,255}$', patternErrorMessage: 'is not an issue label (1-255 characters, no comma or line break)' });

const Server = Type.Object(
  {
    url: GitlabUrl,
    token: Type.String({ minLength: 1, description: 'API token (PRIVATE-TOKEN) with the api scope that may create issues and notes in the projects. Write it as ${VAR} so it stays out of the file.' }),
    project: Type.Optional(Project('Default project for the rules: numeric id or group/project path.')),
    requestTimeout: Type.Optional(Duration({ default: DEFAULTS.requestTimeout, description: 'Limit for one request to GitLab.' })),
  },
  { additionalProperties: false, title: 'GitLab server for alert tickets' },
);

const Rule = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Shown in logs and in the issue; defaults to the rule number.' })),
    match: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'Label = value, all must hold. `severity` matches the normalised severity (critical, error, warning, info, unknown), `source` the source name.' })),
    matchRe: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'Label =~ regular expression (anchored), all must hold.' })),
    after: Type.Optional(Duration({ default: DEFAULTS.after, description: 'How long the alert must have been firing (since its start) before an issue is opened; 0s opens one at once.' })),
    per: Type.Optional(StringEnum(TICKET_SUBJECTS, { default: 'alert', description: 'alert: one issue per alert (by fingerprint); group: one issue per alert group, covering all its alerts.' })),
    project: Type.Optional(Project('Project for this rule (default: gitlab.project).')),
    labels: Type.Optional(Type.Array(IssueLabel, { default: [], description: 'Labels of the issue.' })),
    confidential: Type.Optional(Type.Boolean({ default: false, description: 'Open confidential issues.' })),
    close: Type.Optional(Type.Boolean({ default: false, description: 'Close the issue when the alert resolves (a resolution comment is always posted), and reopen it when the alert fires again within reopenWithin.' })),
    title: Type.Optional(Type.String({ minLength: 1, maxLength: 1000, description: 'Title template, e.g. "[{severity}] {summary}" (placeholders: see the README).' })),
    description: Type.Optional(Type.String({ minLength: 1, maxLength: 20_000, description: 'Description template (Markdown); alert values are inserted as plain text.' })),
  },
  { additionalProperties: false, title: 'Alert ticket rule' },
);

export const TicketsSchema = Type.Object(
  {
    gitlab: Server,
    rules: Type.Array(Rule, { minItems: 1, description: 'First match wins; alerts no rule matches get no issue.' }),
    interval: Type.Optional(Duration({ default: DEFAULTS.interval, description: 'How often firing alerts are checked against the rules and resolved ones commented.' })),
    reopenWithin: Type.Optional(Duration({ default: DEFAULTS.reopenWithin, description: 'An alert firing again this soon after its issue was resolved gets a "fired again" comment on that issue instead of a new one; 0s: always a new issue.' })),
  },
  { additionalProperties: false, title: 'Alert tickets', description: 'GitLab issues for alerts that match a rule and keep firing; linked from the chat post, commented on resolution.' },
);

type RawTickets = Static<typeof TicketsSchema>;

export function loadTickets(raw: RawTickets): AlertTicketsConfig {
  const rules: TicketRule[] = raw.rules.map((r, i) => {
    const per = r.per ?? 'alert';
    return {
      name: r.name ?? `ticket rule ${i + 1}`,
      match: r.match ?? {},
      matchRe: r.matchRe ?? {},
      after: durationMs(r.after ?? DEFAULTS.after),
      per,
      // An empty project is reported by ticketProblems.
      project: r.project ?? raw.gitlab.project ?? '',
      labels: r.labels ?? [],
      confidential: r.confidential ?? false,
      close: r.close ?? false,
      title: r.title ?? DEFAULT_TITLES[per],
      description: r.description ?? DEFAULT_DESCRIPTIONS[per],
    };
  });
  return {
    gitlab: { url: raw.gitlab.url.replace(/\/+$/, ''), token: raw.gitlab.token, requestTimeout: durationMs(raw.gitlab.requestTimeout ?? DEFAULTS.requestTimeout) },
    rules,
    interval: durationMs(raw.interval ?? DEFAULTS.interval),
    reopenWithin: durationMs(raw.reopenWithin ?? DEFAULTS.reopenWithin),
  };
}

/** Paths are relative to the alerts section. */
export function ticketProblems(tickets: AlertTicketsConfig): SectionProblem[] {
  const problems: SectionProblem[] = [];
  if (tickets.gitlab.requestTimeout === 0) problems.push({ path: ['tickets', 'gitlab', 'requestTimeout'], reason: 'must be longer than 0s' });
  const names = new Set<string>();
  tickets.rules.forEach((rule, i) => {
    const at = ['tickets', 'rules', i];
    if (rule.project === '') problems.push({ path: [...at, 'project'], reason: 'is needed (or a default in tickets.gitlab.project)' });
    if (names.has(rule.name)) problems.push({ path: [...at, 'name'], reason: `"${rule.name}" names another rule too` });
    names.add(rule.name);
    for (const [label, re] of Object.entries(rule.matchRe)) {
      const compiled = compileLabelRegex(re);
      if (!compiled.ok) problems.push({ path: [...at, 'matchRe', label], reason: compiled.reason });
    }
    for (const reason of templateProblems(rule.title, 'title')) problems.push({ path: [...at, 'title'], reason });
    for (const reason of templateProblems(rule.description, 'description')) problems.push({ path: [...at, 'description'], reason });
  });
  return problems;
}
