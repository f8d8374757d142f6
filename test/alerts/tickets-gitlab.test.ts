/** The GitLab issues backend on its own, against the issues contract (every request and answer validated). */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GitlabIssues } from '../../src/backends/gitlab/issues.js';
import { BackendError } from '../../src/core/errors.js';
import { GITLAB_TOKEN, startFakeGitlab, type FakeGitlab } from './support/tickets-gitlab.js';

const signal = (): AbortSignal => new AbortController().signal;
const ticket = { project: 'ops/incidents', title: '[critical] HighCPU on web-1', description: 'CPU\n\n<!-- opsbot-alert-ticket-t1 -->', labels: ['incident', 'team::ops'], confidential: true, marker: 'opsbot-alert-ticket-t1' };

describe('GitLab issues as alert tickets', () => {
  let gitlab: FakeGitlab;
  beforeEach(async () => {
    gitlab = await startFakeGitlab();
  });
  afterEach(async () => {
    await gitlab.close();
  });

  const issues = (token = GITLAB_TOKEN): GitlabIssues => new GitlabIssues({ url: `${gitlab.url}/`, token, requestTimeoutMs: 5_000 });

  it('opens an issue with its labels and confidentiality, and returns its number and link', async () => {
    expect(await issues().open(ticket, signal())).toEqual({ id: '1', url: 'https://gitlab.example.invalid/ops/incidents/-/issues/1' });
    const call = gitlab.server.callsTo('postApiV4ProjectsIdIssues')[0];
    expect(call?.path).toBe('/api/v4/projects/ops%2Fincidents/issues');
    expect(call?.body).toEqual({ title: ticket.title, description: ticket.description, labels: 'incident,team::ops', confidential: true });
    expect(gitlab.issues[0]).toMatchObject({ labels: ['incident', 'team::ops'], confidential: true });
    gitlab.server.assertClean();
  });

  it('finds an issue by the exact marker only (GitLab\'s search is fuzzy)', async () => {
    await issues().open(ticket, signal());
    expect(await issues().find('ops/incidents', 'opsbot-alert-ticket-t1', signal())).toEqual({ id: '1', url: 'https://gitlab.example.invalid/ops/incidents/-/issues/1' });
    expect(await issues().find('ops/incidents', 'opsbot-alert-ticket-t2', signal())).toBeNull();
    // A search hit without the marker (a fuzzy match) is not ours.
    gitlab.server.on('getApiV4ProjectsIdIssues', () => ({ status: 200, body: [{ id: 1001, iid: 1, project_id: 4, title: 'x', state: 'opened', web_url: 'https://gitlab.example.invalid/ops/incidents/-/issues/1', description: 'opsbot alert ticket t1' }] }));
    expect(await issues().find('ops/incidents', 'opsbot-alert-ticket-t1', signal())).toBeNull();
    expect(gitlab.server.callsTo('getApiV4ProjectsIdIssues')[0]?.query).toEqual({ search: 'opsbot-alert-ticket-t1', in: 'description', per_page: '20' });
    gitlab.server.assertClean();
  });

  it('comments, closes and reopens', async () => {
    await issues().open(ticket, signal());
    await issues().comment('ops/incidents', '1', 'Resolved.', signal());
    await issues().setState('ops/incidents', '1', 'closed', signal());
    expect(gitlab.issues[0]).toMatchObject({ notes: ['Resolved.'], state: 'closed' });
    await issues().setState('ops/incidents', '1', 'reopened', signal());
    expect(gitlab.issues[0]?.state).toBe('opened');
    expect(gitlab.server.callsTo('putApiV4ProjectsIdIssuesIssueIid').map((c) => c.body)).toEqual([{ state_event: 'close' }, { state_event: 'reopen' }]);
    gitlab.server.assertClean();
  });

  it('refuses answers that are not the documented shape with a BackendError naming the field', async () => {
    // A search hit that is not an issue; an opened issue without its number (a proxy's page, another API).
    gitlab.server.on('getApiV4ProjectsIdIssues', () => ({ status: 200, body: [null] }));
    gitlab.server.on('postApiV4ProjectsIdIssues', () => ({ status: 201, body: { id: 1001, web_url: 'https://gitlab.example.invalid/ops/incidents/-/issues/1' } }));
    const found = await issues().find('ops/incidents', 'opsbot-alert-ticket-t1', signal()).catch((e: unknown) => e);
    expect(found).toBeInstanceOf(BackendError);
    expect((found as Error).message).toBe('GitLab answered looking for an issue in ops/incidents with JSON opsbot cannot read: `/0` must be object.');
    const opened = await issues().open(ticket, signal()).catch((e: unknown) => e);
    expect((opened as Error).message).toBe('GitLab answered opening an issue in ops/incidents with JSON opsbot cannot read: the answer lacks `iid`.');
    // The contract server noted that these answers break the spec: that is the point here.
    expect(gitlab.server.violations.every((v) => v.kind === 'response')).toBe(true);
    gitlab.server.violations.splice(0);
  });

  it('turns GitLab\'s refusals into BackendErrors with its words, and sends no request for an issue number that is not one', async () => {
    const refused = await issues('glpat-wrong').open(ticket, signal()).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(BackendError);
    expect((refused as Error).message).toMatch(/GitLab refused the credentials \(401\) for opening an issue in ops\/incidents: expected the configured PRIVATE-TOKEN/);
    gitlab.server.violations.splice(0);

    const missing = await issues().comment('ops/incidents', '9', 'x', signal()).catch((e: unknown) => e);
    expect((missing as Error).message).toMatch(/GitLab found no such thing for commenting on issue #9 in ops\/incidents \(404\): 404 Issue Not Found/);
    const bad = await issues().comment('ops/incidents', '1/../../2', 'x', signal()).catch((e: unknown) => e);
    expect((bad as Error).message).toBe('"1/../../2" is not a GitLab issue number.');
    expect(gitlab.server.callsTo('postApiV4ProjectsIdIssuesIssueIidNotes')).toHaveLength(1);
    gitlab.server.assertClean();
  });
});
