/** Ticket rules (matching like routes), subject keys, issue templates with inert alert text, and the `alerts.tickets` config. */
import { describe, expect, it } from 'vitest';
import { subjectKey, TicketRules } from '../../src/core/alerts/tickets-rules.js';
import { DEFAULT_DESCRIPTIONS, DEFAULT_TITLES, inertMarkdown, plainText, renderDescription, renderTitle, templateProblems, type TicketContext } from '../../src/core/alerts/tickets-template.js';
import type { TicketCandidate, TicketRule } from '../../src/core/alerts/tickets.js';
import { errorOf, loadText } from '../config/fixtures.js';
import { at } from './support/fixtures.js';

const ZWSP = '\u200b';

function rule(overrides: Partial<TicketRule> = {}): TicketRule {
  return { name: 'r', match: {}, matchRe: {}, after: 600_000, per: 'alert', project: 'ops/incidents', labels: [], confidential: false, close: false, title: DEFAULT_TITLES.alert, description: DEFAULT_DESCRIPTIONS.alert, ...overrides };
}

function candidate(overrides: Partial<TicketCandidate> = {}): TicketCandidate {
  return {
    source: 'alertmanager',
    fingerprint: 'a1b2c3d4e5f60718',
    severity: 'critical',
    labels: { alertname: 'HighCPU', instance: 'web-1', severity: 'critical' },
    annotations: { description: 'CPU above 95% for 10 minutes' },
    summary: 'HighCPU on web-1',
    links: { runbook: 'https://runbooks.example.com/cpu', dashboard: 'https://grafana.example.com/d/abc?var-host=web-1' },
    since: at(0),
    group: { id: 7, key: 'ops|[["alertname","HighCPU"]]', route: 'ops', labels: { alertname: 'HighCPU' } },
    ...overrides,
  };
}

const ctx = (overrides: Partial<TicketContext> = {}): TicketContext => ({ rule: 'critical-10m', alert: candidate(), firing: [candidate()], groupTitle: 'HighCPU', ...overrides });

describe('ticket rules', () => {
  it('takes the first rule whose matchers all hold, with severity and source meaning the normalised fields', () => {
    const db = rule({ name: 'db', match: { severity: 'critical' }, matchRe: { instance: 'db-\\d+' } });
    const grafana = rule({ name: 'grafana', match: { source: 'grafana' } });
    const critical = rule({ name: 'critical', match: { severity: 'critical' } });
    const rules = new TicketRules([db, grafana, critical]);
    expect(rules.ruleFor(candidate({ labels: { alertname: 'X', instance: 'db-12' } }))?.name).toBe('db');
    // Anchored: db-12a is not db-\d+.
    expect(rules.ruleFor(candidate({ labels: { alertname: 'X', instance: 'db-12a' } }))?.name).toBe('critical');
    expect(rules.ruleFor(candidate({ source: 'grafana', severity: 'warning' }))?.name).toBe('grafana');
    // The `severity` label is not what matches: the normalised severity is.
    expect(rules.ruleFor(candidate({ severity: 'warning', labels: { alertname: 'X', severity: 'critical' } }))).toBeNull();
    expect(new TicketRules([rule()]).ruleFor(candidate({ severity: 'info' }))?.name).toBe('r');
    expect(new TicketRules([rule({ after: 0 }), rule({ after: 300_000 })]).shortestAfter()).toBe(0);
  });

  it('keys a ticket by alert (source and fingerprint) or by group', () => {
    expect(subjectKey('alert', candidate())).toBe('alert|alertmanager|a1b2c3d4e5f60718');
    expect(subjectKey('group', candidate())).toBe('group|ops|[["alertname","HighCPU"]]');
  });
});

describe('ticket templates', () => {
  it('accepts the known placeholders and names what is wrong otherwise', () => {
    expect(templateProblems(DEFAULT_TITLES.alert, 'title')).toEqual([]);
    expect(templateProblems(DEFAULT_DESCRIPTIONS.group, 'description')).toEqual([]);
    expect(templateProblems('{label:team} {annotation:runbook_url} {{literal}}', 'title')).toEqual([]);
    expect(templateProblems('{summry}', 'title')).toEqual([expect.stringMatching(/^unknown placeholder \{summry\} \(use \{summary\}, /)]);
    expect(templateProblems('{labels}', 'title')).toEqual(['{labels} is a block and can only be used in a description']);
    expect(templateProblems('a } b', 'description')).toEqual(['has a lone { or } (write {{ or }} for a literal brace)']);
  });

  it('fills titles with plain one-line text, clipped to GitLab\'s 255 characters', () => {
    expect(renderTitle(DEFAULT_TITLES.alert, ctx())).toBe('[critical] HighCPU on web-1');
    expect(renderTitle(DEFAULT_TITLES.group, ctx({ firing: [candidate(), candidate({ fingerprint: 'x' })] }))).toBe('[critical] HighCPU: 2 firing');
    expect(renderTitle('{{{alertname}}} on {label:instance} since {since}', ctx())).toBe('{HighCPU} on web-1 since 2026-01-15 10:00:00Z');
    expect(renderTitle('{summary}', ctx({ alert: candidate({ summary: 'ping @oncall\nabout #42' }) }))).toBe(`ping @${ZWSP}oncall about #${ZWSP}42`);
    const long = renderTitle('{summary}', ctx({ alert: candidate({ summary: 'x'.repeat(400) }) }));
    expect(long).toHaveLength(255);
    expect(long.endsWith('…')).toBe(true);
  });

  it('writes the description from the template with alert values as inert text, and the marker last', () => {
    const alert = candidate({ labels: { alertname: 'HighCPU', instance: 'web-1', note: 'a|b *c*' }, links: { runbook: 'https://runbooks.example.com/a b<c>', source: 'javascript:alert(1)' } });
    const text = renderDescription(DEFAULT_DESCRIPTIONS.alert, ctx({ alert, firing: [alert] }), 'opsbot-alert-ticket-t0k3n');
    expect(text).toContain('- Firing since: 2026-01-15 10:00:00Z');
    expect(text).toContain('- Alert group: #7 (route ops)');
    expect(text).toContain('| label | value |\n| --- | --- |\n| alertname | HighCPU |\n| instance | web-1 |\n| note | a\\|b \\*c\\* |');
    expect(text).toContain(`| description | CPU above 95%${ZWSP} for 10 minutes |`);
    // Only http(s) links, percent-encoded so they cannot leave their <...>.
    expect(text).toContain('- [Runbook](<https://runbooks.example.com/a%20b%3Cc%3E>)');
    expect(text).not.toContain('javascript');
    expect(text).toContain('_Opened by opsbot (rule critical-10m); its resolution is commented here._');
    expect(text.endsWith('\n\n<!-- opsbot-alert-ticket-t0k3n -->')).toBe(true);
    expect(text).not.toMatch(/\n{3}/);
  });

  it('lists a group\'s firing alerts, at most 20', () => {
    const firing = Array.from({ length: 22 }, (_, i) => candidate({ fingerprint: `f${i}`, summary: `HighCPU on web-${i}`, labels: { alertname: 'HighCPU', instance: `web-${i}` } }));
    const text = renderDescription('{alerts}', ctx({ firing }), 'm');
    expect(text.split('\n').filter((l) => l.startsWith('- '))).toHaveLength(21);
    expect(text).toContain('- \\[critical\\] HighCPU on web-0\n');
    expect(text).toContain('- … and 2 more');
  });

  it('makes alert text inert: escapes Markdown and HTML, breaks mentions, references and quick actions', () => {
    expect(inertMarkdown('/close\n  /assign @me')).toBe(`\\/close\n  \\/assign @${ZWSP}me`);
    expect(inertMarkdown('<img src=x> [a](b) `c` ~d %e !f $g &h #i')).toBe(
      `\\<img src=x\\> \\[a\\]\\(b\\) \\\`c\\\` \\~${ZWSP}d %${ZWSP}e \\!${ZWSP}f \\$${ZWSP}g \\&${ZWSP}h \\#${ZWSP}i`,
    );
    expect(inertMarkdown('line\r\nbreak')).toBe('line\nbreak');
    expect(plainText('  two\n\tlines @all ')).toBe(`two lines @${ZWSP}all`);
  });
});

const BASE = 'storage:\n  engine: sqlite\n  path: ":memory:"\nalerts:\n  sources:\n    alertmanager: { bearer: tok }\n';

describe('alerts.tickets config', () => {
  it('is absent unless written; then fills every default and lists the token as a secret', () => {
    expect(loadText(BASE).config.alerts?.tickets).toBeUndefined();
    const { config, secrets } = loadText(
      `${BASE}  tickets:
    gitlab: { url: "https://gitlab.example.com/", token: "\${GITLAB_TICKETS_TOKEN}", project: ops/incidents }
    rules:
      - match: { severity: critical }
      - name: db-group
        matchRe: { instance: "db-.*" }
        after: 0s
        per: group
        project: "42"
        labels: [incident, "team::db"]
        confidential: true
        close: true
        title: "{alertname} down"
`,
      { GITLAB_TICKETS_TOKEN: 'glpat-secret-123' },
    );
    expect(config.alerts?.tickets).toEqual({
      gitlab: { url: 'https://gitlab.example.com', token: 'glpat-secret-123', requestTimeout: 30_000 },
      interval: 15_000,
      reopenWithin: 3_600_000,
      rules: [
        { name: 'ticket rule 1', match: { severity: 'critical' }, matchRe: {}, after: 600_000, per: 'alert', project: 'ops/incidents', labels: [], confidential: false, close: false, title: DEFAULT_TITLES.alert, description: DEFAULT_DESCRIPTIONS.alert },
        { name: 'db-group', match: {}, matchRe: { instance: 'db-.*' }, after: 0, per: 'group', project: '42', labels: ['incident', 'team::db'], confidential: true, close: true, title: '{alertname} down', description: DEFAULT_DESCRIPTIONS.group },
      ],
    });
    expect(secrets).toContain('glpat-secret-123');
  });

  it('refuses a rule without a project, unknown placeholders, bad regexes, bad projects and labels, and no rules', () => {
    const gitlab = '    gitlab: { url: "https://gitlab.example.com", token: t }\n';
    expect(errorOf(`${BASE}  tickets:\n${gitlab}    rules:\n      - match: { severity: critical }\n`)).toMatch(/alerts\.tickets\.rules\[0\]\.project.*is needed \(or a default in tickets\.gitlab\.project\)/s);
    expect(errorOf(`${BASE}  tickets:\n${gitlab}    rules:\n      - { project: a/b, title: "{nope}" }\n`)).toMatch(/alerts\.tickets\.rules\[0\]\.title.*unknown placeholder \{nope\}/s);
    expect(errorOf(`${BASE}  tickets:\n${gitlab}    rules:\n      - { project: a/b, matchRe: { instance: "(" } }\n`)).toMatch(/alerts\.tickets\.rules\[0\]\.matchRe\.instance.*is not a valid regular expression/s);
    expect(errorOf(`${BASE}  tickets:\n${gitlab}    rules:\n      - { project: "../etc" }\n`)).toMatch(/is not a project/);
    expect(errorOf(`${BASE}  tickets:\n${gitlab}    rules:\n      - { project: a/b, labels: ["a,b"] }\n`)).toMatch(/is not an issue label/);
    expect(errorOf(`${BASE}  tickets:\n${gitlab}    rules: []\n`)).toMatch(/alerts\.tickets\.rules/);
    expect(errorOf(`${BASE}  tickets:\n    gitlab: { url: "ftp://x", token: t, project: a/b }\n    rules: [{}]\n`)).toMatch(/is not an http\(s\) URL/);
  });
});
