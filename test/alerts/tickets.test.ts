/**
 * Alert tickets end to end on both store engines: the pipeline and its ticket stage over a real
 * store, talking to a GitLab that validates every request against the issues contract and answers
 * with upstream payloads. One issue per incident (restarts and replicas included), the post links
 * it, resolution comments once, firing again reuses or replaces it, and GitLab failures are retried
 * without duplicates.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { alertSources } from '../../src/alert-sources/index.js';
import { GitlabIssues } from '../../src/backends/gitlab/issues.js';
import { AlertPipeline } from '../../src/core/alerts/pipeline.js';
import { AlertRouter } from '../../src/core/alerts/routing.js';
import { TicketStage } from '../../src/core/alerts/tickets-stage.js';
import { DEFAULT_DESCRIPTIONS, DEFAULT_TITLES } from '../../src/core/alerts/tickets-template.js';
import type { TicketRule, TicketSettings } from '../../src/core/alerts/tickets.js';
import { silentLogger } from '../../src/core/log.js';
import type { Message } from '../../src/core/message.js';
import type { Store } from '../../src/core/store.js';
import { alert, at, engines, type Opened } from './support/fixtures.js';
import { RecordingPoster, ROUTING, SETTINGS, SetClock } from './support/pipeline.js';
import { GITLAB_TOKEN, startFakeGitlab, type FakeGitlab } from './support/tickets-gitlab.js';
import { closedPort } from '../pipelines/support.js';
import { sharedDir } from '../support/shared.js';

const AFTER = 600;
const RULE: TicketRule = {
  name: 'critical-10m',
  match: { severity: 'critical' },
  matchRe: {},
  after: AFTER * 1000,
  per: 'alert',
  project: 'ops/incidents',
  labels: ['incident', 'opsbot'],
  confidential: false,
  close: true,
  title: DEFAULT_TITLES.alert,
  description: DEFAULT_DESCRIPTIONS.alert,
};

interface World {
  readonly pipeline: AlertPipeline;
  readonly tickets: TicketStage;
  readonly poster: RecordingPoster;
  readonly clock: SetClock;
  /** Groups the stage asked to show again. */
  readonly changed: { count: number };
}

function world(store: Store, gitlabUrl: string, options: { owner?: string; rules?: readonly TicketRule[]; clock?: SetClock; reopenWithin?: number; tokens?: string[]; settings?: Partial<TicketSettings> } = {}): World {
  const clock = options.clock ?? new SetClock();
  const poster = new RecordingPoster();
  const changed = { count: 0 };
  const owner = options.owner ?? 'replica-a';
  const tokens = options.tokens;
  const tickets = new TicketStage({
    store: store.alertTickets,
    alerts: store.alerts,
    port: new GitlabIssues({ url: gitlabUrl, token: GITLAB_TOKEN, requestTimeoutMs: 5_000 }),
    clock,
    logger: silentLogger,
    owner,
    settings: { rules: options.rules ?? [RULE], interval: 0, reopenWithin: options.reopenWithin ?? 3_600_000, ...options.settings },
    // The tests tick by hand: counting is enough (the app kicks the pipeline here).
    onGroupChanged: () => void (changed.count += 1),
    ...(tokens === undefined ? {} : { token: () => tokens.shift() ?? 'no-more-tokens' }),
  });
  const pipeline = new AlertPipeline({ store: store.alerts, router: new AlertRouter(ROUTING), poster, clock, logger: silentLogger, owner, settings: SETTINGS, tickets });
  return { pipeline, tickets, poster, clock, changed };
}

/** Moves the clock, flushes due groups and lets the ticket stage finish its look. */
/**
 * One look per step, whatever the timing: the look is started first, so the one the tick starts
 * is the same look (the stage runs one at a time). Calling run() after the tick instead started a
 * second look whenever the first had already finished, which made the per-look counts racy.
 */
async function step(w: World, seconds: number): Promise<void> {
  w.clock.set(at(seconds));
  const look = w.tickets.run();
  await w.pipeline.tick();
  await look;
}

function ticketField(message: Message | undefined): string | undefined {
  for (const block of message?.blocks ?? []) if (block.kind === 'fields') return block.fields.find((f) => f.label === 'Ticket' || f.label === 'Tickets')?.value;
  return undefined;
}

function links(message: Message | undefined): { label: string; url: string }[] {
  return (message?.blocks ?? []).flatMap((b) => (b.kind === 'links' ? b.links.map((l) => ({ label: l.label, url: l.url })) : []));
}

describe.each(engines)('alert tickets on $name', (engine) => {
  let opened: Opened;
  let store: Store;
  let gitlab: FakeGitlab;
  const extra: Store[] = [];
  const worlds: World[] = [];
  const make = (s: Store, options: Parameters<typeof world>[2] = {}): World => {
    const w = world(s, gitlab.url, options);
    worlds.push(w);
    return w;
  };

  beforeEach(async () => {
    opened = await engine.open();
    store = opened.store;
    gitlab = await startFakeGitlab();
  });

  afterEach(async () => {
    for (const w of worlds.splice(0)) await w.pipeline.stop();
    for (const s of extra.splice(0)) await s.close();
    await store.close();
    await opened.dispose();
    await gitlab.close();
  });

  it('opens one issue once the alert has fired for `after`, links it in the post, never again while it fires, and comments the resolution once', async () => {
    const w = make(store);
    await w.pipeline.ingest([alert({ instance: 'web-1' })]);
    await step(w, 30);
    expect(w.poster.take()).toHaveLength(1);
    await step(w, AFTER - 1);
    expect(gitlab.issues).toEqual([]);

    await step(w, AFTER);
    expect(gitlab.issues).toHaveLength(1);
    const issue = gitlab.issues[0];
    expect(issue).toMatchObject({ project: 'ops/incidents', iid: 1, title: '[critical] HighCPU on web-1', labels: ['incident', 'opsbot'], confidential: false, state: 'opened' });
    expect(issue?.description).toContain('- Severity: critical');
    expect(issue?.description).toMatch(/<!-- opsbot-alert-ticket-[0-9a-f-]{36} -->$/);
    expect(w.changed.count).toBe(1);

    // The group was posted already: it is due again at once, and its post now links the issue.
    await step(w, AFTER + 1);
    const [post] = w.poster.take();
    expect(ticketField(post?.message)).toBe('GitLab issue #1');
    expect(links(post?.message)[0]).toEqual({ label: 'GitLab issue #1', url: 'https://gitlab.example.invalid/ops/incidents/-/issues/1' });

    // Still firing, repeats arriving, time passing, and a restart (a new stage and pipeline on the same store): no second issue.
    for (const t of [700, 1_200, 3_000]) {
      await w.pipeline.ingest([alert({ instance: 'web-1' })]);
      await step(w, t);
    }
    const restarted = make(store, { owner: 'replica-a-after-restart', clock: w.clock });
    await step(restarted, 3_100);
    expect(gitlab.issues).toHaveLength(1);
    expect(issue?.notes).toEqual([]);

    await w.pipeline.ingest([alert({ instance: 'web-1', status: 'resolved' })]);
    await step(w, 3_200);
    expect(issue?.notes).toHaveLength(1);
    expect(issue?.notes[0]).toMatch(/^Resolved: the alert no longer fires \(seen by opsbot at 2026-01-15 10:53:20Z\)\. Closed\.$/);
    expect(issue?.state).toBe('closed');
    for (const t of [3_300, 3_600, 4_000]) await step(w, t);
    expect(issue?.notes).toHaveLength(1);
    expect(gitlab.server.callsTo('putApiV4ProjectsIdIssuesIssueIid')).toHaveLength(1);
    expect(gitlab.server.callsTo('postApiV4ProjectsIdIssues')).toHaveLength(1);

    // The resolved post still links the issue.
    const last = w.poster.take().at(-1);
    expect(last?.message.title).toMatch(/^\[RESOLVED\]/);
    expect(ticketField(last?.message)).toBe('GitLab issue #1');
    gitlab.server.assertClean();
  });

  it('firing again within reopenWithin reopens the same issue with a comment; later it is a new incident with a new issue', async () => {
    const w = make(store);
    await w.pipeline.ingest([alert()]);
    await step(w, 30);
    await step(w, AFTER);
    await w.pipeline.ingest([alert({ status: 'resolved' })]);
    await step(w, 1_000);
    expect(gitlab.issues[0]?.state).toBe('closed');

    // Fires again 10 minutes later: the rule's `after` counts from the new start.
    await w.pipeline.ingest([alert({ startsAt: at(1_600) })]);
    await step(w, 1_630);
    await step(w, 1_600 + AFTER - 1);
    expect(gitlab.issues[0]?.notes).toHaveLength(1);
    await step(w, 1_600 + AFTER);
    expect(gitlab.issues).toHaveLength(1);
    expect(gitlab.issues[0]?.state).toBe('opened');
    expect(gitlab.issues[0]?.notes[1]).toMatch(/^Fired again at 2026-01-15 10:36:40Z \(alert group #\d+\); opsbot keeps this GitLab issue for it\. Reopened\.$/);
    expect(w.changed.count).toBe(2);
    await step(w, 1_600 + AFTER + 1);
    expect(ticketField(w.poster.take().at(-1)?.message)).toBe('GitLab issue #1');

    await w.pipeline.ingest([alert({ status: 'resolved', startsAt: at(1_600) })]);
    await step(w, 2_500);
    expect(gitlab.issues[0]?.notes).toHaveLength(3);
    expect(gitlab.issues[0]?.state).toBe('closed');

    // Two hours later: a new incident.
    await w.pipeline.ingest([alert({ startsAt: at(10_000) })]);
    await step(w, 10_030);
    await step(w, 10_000 + AFTER);
    expect(gitlab.issues.map((i) => [i.iid, i.state])).toEqual([
      [1, 'closed'],
      [2, 'opened'],
    ]);
    expect(gitlab.issues[0]?.notes).toHaveLength(3);
    gitlab.server.assertClean();
  });

  it('two replicas looking at once open one issue per alert between them, and the post links both', async () => {
    const second = opened.replica === null ? store : await opened.replica();
    if (second !== store) extra.push(second);
    const clock = new SetClock();
    const a = make(store, { owner: 'replica-a', clock });
    const b = make(second, { owner: 'replica-b', clock });
    await a.pipeline.ingest([alert({ instance: 'web-1' }), alert({ instance: 'web-2' })]);
    clock.set(at(30));
    await Promise.all([a.pipeline.tick(), b.pipeline.tick()]);
    for (let i = 0; i < 5; i++) {
      clock.set(at(AFTER + i));
      await Promise.all([a.tickets.run(), b.tickets.run()]);
    }
    // One issue per alert, whichever replica claimed it.
    expect(gitlab.issues.map((i) => i.title).sort()).toEqual(['[critical] HighCPU on web-1', '[critical] HighCPU on web-2']);
    expect(gitlab.server.callsTo('postApiV4ProjectsIdIssues')).toHaveLength(2);
    a.poster.take();
    b.poster.take();
    clock.set(at(AFTER + 10));
    await Promise.all([a.pipeline.tick(), b.pipeline.tick()]);
    // One of them edits the group's post, showing both issues.
    const shown = [...a.poster.take(), ...b.poster.take()];
    expect(shown).toHaveLength(1);
    expect(ticketField(shown[0]?.message)?.split(', ').sort()).toEqual(['GitLab issue #1', 'GitLab issue #2']);
    gitlab.server.assertClean();
  });

  it('retries a create GitLab answered 5xx on the next look, looking first, so there is never a second issue', async () => {
    const w = make(store);
    await w.pipeline.ingest([alert()]);
    await step(w, 30);
    // The first create fails outright; the retry is done by GitLab but its answer is lost (a proxy's 502).
    gitlab.fail('postApiV4ProjectsIdIssues', 500);
    await step(w, AFTER);
    expect(gitlab.issues).toEqual([]);
    gitlab.fail('postApiV4ProjectsIdIssues', 502, { andDoIt: true });
    await step(w, AFTER + 1);
    expect(gitlab.issues).toHaveLength(1);
    expect(w.changed.count).toBe(0);

    // The next try looks for its marker first, finds the issue and takes it as is.
    await step(w, AFTER + 2);
    expect(gitlab.issues).toHaveLength(1);
    expect(gitlab.server.callsTo('postApiV4ProjectsIdIssues')).toHaveLength(2);
    const searches = gitlab.server.callsTo('getApiV4ProjectsIdIssues');
    expect(searches).toHaveLength(2);
    expect(searches[1]?.query).toMatchObject({ in: 'description', search: expect.stringMatching(/^opsbot-alert-ticket-/) });
    expect(w.changed.count).toBe(1);
    await step(w, AFTER + 3);
    expect(ticketField(w.poster.take().at(-1)?.message)).toBe('GitLab issue #1');
    for (const t of [AFTER + 4, AFTER + 5]) await step(w, t);
    expect(gitlab.server.callsTo('postApiV4ProjectsIdIssues')).toHaveLength(2);

    // A failed resolution comment is retried too, and posted once.
    gitlab.fail('postApiV4ProjectsIdIssuesIssueIidNotes', 503);
    await w.pipeline.ingest([alert({ status: 'resolved' })]);
    for (const t of [2_000, 2_001, 2_002]) await step(w, t);
    expect(gitlab.issues[0]?.notes).toHaveLength(1);
    expect(gitlab.issues[0]?.state).toBe('closed');
    expect(gitlab.server.callsTo('postApiV4ProjectsIdIssuesIssueIidNotes')).toHaveLength(2);
    gitlab.server.assertClean();
  });

  it('a stop during a create gives the work back, and the next start finds the issue GitLab made instead of opening another', async () => {
    const clock = new SetClock();
    const w = make(store, { clock });
    await w.pipeline.ingest([alert()]);
    await step(w, 30);
    clock.set(at(AFTER));
    const held = gitlab.hold();
    const running = w.tickets.run();
    await waitFor(() => gitlab.server.callsTo('postApiV4ProjectsIdIssues').length === 1);
    await w.pipeline.stop();
    await running;
    held.release();
    await waitFor(() => gitlab.issues.length === 1);

    const next = make(store, { owner: 'replica-a-after-restart', clock });
    clock.set(at(AFTER + 1));
    await next.tickets.run();
    expect(gitlab.issues).toHaveLength(1);
    expect(gitlab.server.callsTo('getApiV4ProjectsIdIssues')).toHaveLength(1);
    expect(gitlab.server.callsTo('postApiV4ProjectsIdIssues')).toHaveLength(1);
    expect((await next.tickets.links((await store.alerts.openGroups(1))[0]?.id ?? 0)).map((l) => l.label)).toEqual(['GitLab issue #1']);
    gitlab.server.assertClean();
  });

  it('keeps posting to chat when GitLab cannot be reached; the tick never fails', async () => {
    const port = await closedPort();
    const w = world(store, `http://127.0.0.1:${port}`);
    worlds.push(w);
    await w.pipeline.ingest([alert()]);
    await step(w, 30);
    await step(w, AFTER);
    await step(w, AFTER + 1);
    expect(w.poster.take()).toHaveLength(1);
    await w.pipeline.ingest([alert({ instance: 'web-2' })]);
    await step(w, AFTER + 2);
    expect(w.poster.take()).toHaveLength(1);
    const group = (await store.alerts.openGroups(1))[0];
    expect(await w.tickets.links(group?.id ?? 0)).toEqual([]);
  });

  it('per: group opens one issue for the whole group and resolves it when nothing of the group fires', async () => {
    const w = make(store, { rules: [{ ...RULE, per: 'group', title: DEFAULT_TITLES.group, description: DEFAULT_DESCRIPTIONS.group }] });
    await w.pipeline.ingest([alert({ instance: 'web-1' }), alert({ instance: 'web-2' }), alert({ instance: 'web-3', startsAt: at(500) })]);
    await step(w, 30);
    await step(w, AFTER);
    expect(gitlab.issues).toHaveLength(1);
    expect(gitlab.issues[0]?.title).toBe('[critical] HighCPU: 3 firing');
    expect(gitlab.issues[0]?.description).toContain('- \\[critical\\] HighCPU on web-1\n- \\[critical\\] HighCPU on web-2\n- \\[critical\\] HighCPU on web-3');
    await step(w, AFTER + 100);
    expect(gitlab.issues).toHaveLength(1);

    await w.pipeline.ingest([alert({ instance: 'web-1', status: 'resolved' }), alert({ instance: 'web-2', status: 'resolved' })]);
    await step(w, 1_000);
    expect(gitlab.issues[0]?.notes).toEqual([]);
    await w.pipeline.ingest([alert({ instance: 'web-3', status: 'resolved', startsAt: at(500) })]);
    await step(w, 1_400);
    expect(gitlab.issues[0]?.notes).toEqual([expect.stringMatching(/^Resolved: no alert of the group fires any more/)]);
    gitlab.server.assertClean();
  });

  it('counts `after` from when an Uptime Kuma monitor went down, not from its last resend', async () => {
    const w = make(store);
    const down = JSON.parse(readFileSync(join(sharedDir(), 'fixtures', 'uptime-kuma', 'constructed_down.json'), 'utf8')) as { heartbeat: Record<string, unknown> };
    // "Resend notification if down X times": the same down, on a later heartbeat.
    const beat = (seconds: number) => {
      const time = at(seconds).toISOString().replace('T', ' ').replace('Z', '');
      return alertSources['uptime-kuma'].parse({ kind: 'json', value: { ...down, heartbeat: { ...down.heartbeat, time } } }, { receivedAt: at(seconds) });
    };
    await w.pipeline.ingest(beat(0));
    await step(w, 30);
    for (const t of [300, AFTER - 60]) {
      w.clock.set(at(t));
      expect(await w.pipeline.ingest(beat(t))).toMatchObject({ duplicates: 1 });
      await step(w, t);
    }
    await step(w, AFTER);
    expect(gitlab.issues).toHaveLength(1);
    const group = (await store.alerts.openGroups(1))[0];
    expect((await store.alerts.alertsOf(group?.id ?? 0))[0]?.startsAt).toEqual(at(0));
    gitlab.server.assertClean();
  });

  it('only alerts a rule matches get issues, in the project of the first rule that matches', async () => {
    const rules: TicketRule[] = [
      { ...RULE, name: 'db', matchRe: { instance: 'db-.*' }, project: '42', labels: ['db'] },
      { ...RULE, name: 'critical' },
    ];
    const w = make(store, { rules });
    await w.pipeline.ingest([alert({ instance: 'db-1' }), alert({ instance: 'web-1' }), alert({ name: 'DiskFilling', instance: 'web-1', severity: 'warning', labels: { alertname: 'DiskFilling', instance: 'web-1', severity: 'warning' } })]);
    await step(w, 30);
    await step(w, AFTER);
    expect(gitlab.issues.map((i) => [i.project, i.title, i.labels]).sort((x, y) => String(x[0]).localeCompare(String(y[0])))).toEqual([
      ['42', '[critical] HighCPU on db-1', ['db']],
      ['ops/incidents', '[critical] HighCPU on web-1', ['incident', 'opsbot']],
    ]);
    gitlab.server.assertClean();
  });

  it('opens at most maxPerRun issues per look and scans a bounded slice of the firing alerts per look, carrying on where it stopped', async () => {
    const w = make(store, { settings: { maxPerRun: 2 } });
    await w.pipeline.ingest([1, 2, 3, 4, 5].map((n) => alert({ instance: `web-${n}` })));
    await step(w, 30);
    const counts: number[] = [];
    for (let i = 0; i < 4; i++) {
      await step(w, AFTER + i);
      counts.push(gitlab.issues.length);
    }
    expect(counts).toEqual([2, 4, 5, 5]);

    // One alert per look, and the one a rule takes sorts last (fingerprints order the scan): it is still reached.
    const scan = make(store, { settings: { scanLimit: 1 }, clock: w.clock, owner: 'replica-scan' });
    const warning = (n: number) => alert({ fingerprint: `a-${n}`, instance: `db-${n}`, severity: 'warning', labels: { alertname: 'Slow', instance: `db-${n}`, severity: 'warning' } });
    await scan.pipeline.ingest([warning(1), warning(2), warning(3), alert({ fingerprint: 'z-critical', instance: 'db-9' })]);
    for (let i = 0; i < 6; i++) await step(scan, AFTER * 2 + i);
    expect(gitlab.issues.map((i) => i.title)).toContain('[critical] HighCPU on db-9');
    expect(gitlab.issues).toHaveLength(6);
    gitlab.server.assertClean();
  });

  it('alert text stays text in the issue: no mentions, references, quick actions, HTML or links from it', async () => {
    const w = make(store);
    const summary = '@all disk full <b>now</b> see #12 [x](javascript:alert(1))';
    await w.pipeline.ingest([
      alert({ summary, annotations: { description: 'first line\n/close\n/assign @root\n<script>x</script>' }, labels: { alertname: 'HighCPU', instance: 'web-1', severity: 'critical', team: '~ops %v1 !3 $4 &5' } }),
    ]);
    await step(w, 30);
    await step(w, AFTER);
    const issue = gitlab.issues[0];
    const body = issue?.description ?? '';
    expect(issue?.labels).toEqual(['incident', 'opsbot']);
    expect(issue?.title).not.toMatch(/@all|#12/);
    expect(issue?.title.replaceAll('\u200b', '')).toBe(`[critical] ${summary}`);
    for (const raw of ['@all', '@root', '#12', '~ops', '%v1', '!3', '$4', '&5', '<b>', '<script>', '](javascript']) expect(body).not.toContain(raw);
    expect(body.split('\n').filter((line) => /^\s*\//.test(line))).toEqual([]);
    // Still readable: the words are all there once Markdown's escapes are read.
    expect(body.replaceAll('\u200b', '').replace(/\\(.)/g, '$1')).toContain('@all disk full <b>now</b> see #12');
    gitlab.server.assertClean();
  });
});

async function waitFor(condition: () => boolean, deadlineMs = 15_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
