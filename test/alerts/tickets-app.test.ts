/**
 * Alert tickets through opsbot's real composition root: `alerts.tickets` in the config, an upstream
 * Alertmanager webhook posted to the HTTP intake, the pipeline's own timer, and the contract-checked
 * GitLab. The issues are opened, the post links them, and the resolution is commented.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DESCRIPTIONS, DEFAULT_TITLES } from '../../src/core/alerts/tickets-template.js';
import type { Message } from '../../src/core/message.js';
import { eventually, removeTempDirs } from '../support/app.js';
import { readShared } from '../support/shared.js';
import { startAlertsApp, type AlertsApp } from './support/app.js';
import { alertsConfig, TOKEN } from './support/intake.js';
import { GITLAB_TOKEN, startFakeGitlab, type FakeGitlab } from './support/tickets-gitlab.js';

interface Webhook {
  status: string;
  alerts: { status: string; endsAt: string }[];
}

let gitlab: FakeGitlab;
let opsbot: AlertsApp;

beforeAll(async () => {
  gitlab = await startFakeGitlab();
  opsbot = await startAlertsApp(
    alertsConfig({
      grouping: { by: ['alertname'], wait: 0, interval: 300, repeat: 3_600_000 },
      tick: 100,
      tickets: {
        gitlab: { url: gitlab.url, token: GITLAB_TOKEN, requestTimeout: 5_000 },
        rules: [{ name: 'critical-10m', match: { severity: 'critical' }, matchRe: {}, after: 600_000, per: 'alert', project: 'ops/incidents', labels: ['incident'], confidential: false, close: true, title: DEFAULT_TITLES.alert, description: DEFAULT_DESCRIPTIONS.alert }],
        interval: 0,
        reopenWithin: 3_600_000,
      },
    }),
  );
});

afterAll(async () => {
  await opsbot?.close();
  await gitlab?.close();
  removeTempDirs();
});

/** The post's "Tickets" field, if it has one. */
function ticketsOf(message: Message): string | undefined {
  for (const block of message.blocks) if (block.kind === 'fields') return block.fields.find((f) => f.label === 'Tickets')?.value;
  return undefined;
}

async function deliver(body: Webhook): Promise<void> {
  const response = await fetch(`${opsbot.url}/alerts/alertmanager`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(response.status).toBeLessThan(300);
}

describe('alert tickets in the app', () => {
  it('opens an issue per long-firing alert from a webhook, links them in the post and comments their resolution', async () => {
    // zulip's fixture: two critical alerts firing since 2020, so both are well past `after`.
    const firing = readShared<Webhook>('fixtures', 'alertmanager', 'zulip_fixture_alert_two_firing.json');
    await deliver(firing);
    await eventually(() => gitlab.issues.length, (n) => n === 2, 'two issues');
    expect(gitlab.issues.map((i) => i.title)).toEqual(['[critical] High CPU core temperature', '[critical] High CPU core temperature']);
    const linked = await eventually(
      () => opsbot.poster.shown.map((s) => ticketsOf(s.message)).filter((t) => t !== undefined),
      (all) => all.some((t) => t.split(', ').length === 2),
      'a post linking both issues',
    );
    expect(linked.find((t) => t.split(', ').length === 2)?.split(', ').sort()).toEqual(['GitLab issue #1', 'GitLab issue #2']);

    const resolved: Webhook = { ...firing, status: 'resolved', alerts: firing.alerts.map((a) => ({ ...a, status: 'resolved', endsAt: new Date().toISOString() })) };
    await deliver(resolved);
    await eventually(() => gitlab.issues.map((i) => `${i.state}:${i.notes.length}`), (s) => s.every((x) => x === 'closed:1'), 'both issues resolved');
    expect(gitlab.server.callsTo('postApiV4ProjectsIdIssues')).toHaveLength(2);
    gitlab.server.assertClean();

    // Who did what: every issue opened and resolved is in the audit, by the ticket rules, with the issue.
    const audit = await eventually(
      async () => (await opsbot.app.store.audit.recent(50)).filter((e) => e.event.startsWith('ticket_')),
      (entries) => entries.filter((e) => e.event === 'ticket_resolved').length === 2,
      'both resolutions audited',
    );
    expect(audit.map((e) => e.event).sort()).toEqual(['ticket_opened', 'ticket_opened', 'ticket_resolved', 'ticket_resolved']);
    expect(audit.every((e) => e.principal.id === 'opsbot.alert-tickets')).toBe(true);
    expect(audit.filter((e) => e.event === 'ticket_opened').map((e) => e.refs.issue).sort()).toEqual(['1', '2']);
  });
});
