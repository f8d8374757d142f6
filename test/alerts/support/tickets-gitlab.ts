/**
 * A GitLab for the alert-ticket tests: the contract server on the issues subset
 * (./tickets-gitlab-issues.openapi.yaml) validates every request opsbot sends and every answer
 * below, and the answers are gitlab4j's upstream Issue and Note payloads (./tickets-gitlab4j-*.json,
 * gitlab4j/gitlab4j-api gitlab4j-models/src/test/resources/org/gitlab4j/models/{issue,note}.json
 * @ 2ce06ee2a7c2e64db4d44e0959461a52a1205c82 / 58032e3a60a6817626a1c756870df0ee6d7c1ced, MIT,
 * verbatim) with the fields of the issue at hand filled in. Issues live in memory, so the tests
 * can count what GitLab would hold, whatever the bot was told.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startContractServer, type ContractCall, type ContractReply, type ContractServer } from '../../support/contract/contract-server.js';

const here = dirname(fileURLToPath(import.meta.url));
export const ISSUES_SPEC = join(here, 'tickets-gitlab-issues.openapi.yaml');
export const GITLAB_TOKEN = 'glpat-alert-tickets-test';

type Json = Record<string, unknown>;
const upstreamIssue = (): Json => JSON.parse(readFileSync(join(here, 'tickets-gitlab4j-issue.json'), 'utf8')) as Json;
const upstreamNote = (): Json => JSON.parse(readFileSync(join(here, 'tickets-gitlab4j-note.json'), 'utf8')) as Json;

export interface FakeIssue {
  readonly project: string;
  readonly iid: number;
  readonly title: string;
  readonly description: string;
  readonly labels: readonly string[];
  readonly confidential: boolean;
  state: 'opened' | 'closed';
  readonly notes: string[];
}

/** What the next calls of an operation get instead of the normal answer. */
interface Failure {
  readonly status: number;
  /** The create happens anyway and only the answer is lost (a proxy's 502 after GitLab did it). */
  readonly andDoIt: boolean;
  times: number;
}

export interface FakeGitlab {
  readonly server: ContractServer;
  readonly url: string;
  readonly issues: FakeIssue[];
  /** The next `times` calls of the operation are answered `status` (by default without doing anything). */
  fail(operationId: string, status: number, options?: { times?: number; andDoIt?: boolean }): void;
  /** Holds every answer until `release()` (to keep a request in flight). */
  hold(): { release(): void };
  close(): Promise<void>;
}

export async function startFakeGitlab(): Promise<FakeGitlab> {
  const issues: FakeIssue[] = [];
  const failures = new Map<string, Failure>();
  let gate: Promise<void> | null = null;

  const issueJson = (issue: FakeIssue): Json => ({
    ...upstreamIssue(),
    id: 1000 + issue.iid,
    iid: issue.iid,
    title: issue.title,
    description: issue.description,
    state: issue.state,
    labels: [...issue.labels],
    confidential: issue.confidential,
    closed_at: issue.state === 'closed' ? '2026-01-15T10:30:00.000Z' : null,
    closed_by: null,
    user_notes_count: issue.notes.length,
    web_url: `https://gitlab.example.invalid/${issue.project}/-/issues/${issue.iid}`,
    references: { short: `#${issue.iid}`, relative: `#${issue.iid}`, full: `${issue.project}#${issue.iid}` },
  });

  const find = (call: ContractCall): FakeIssue | undefined => issues.find((i) => i.project === call.params.id && i.iid === Number(call.params.issue_iid));
  const notFound: ContractReply = { status: 404, body: { message: '404 Issue Not Found' } };

  /** Runs `act` unless a failure is due; a failure `andDoIt` runs it and still answers the error. */
  const guarded = async (operationId: string, act: () => ContractReply): Promise<ContractReply> => {
    if (gate !== null) await gate;
    const failure = failures.get(operationId);
    if (failure !== undefined && failure.times > 0) {
      failure.times -= 1;
      if (failure.andDoIt) act();
      return { status: failure.status, body: { message: `${failure.status} upstream trouble` } };
    }
    return act();
  };

  const server = await startContractServer({
    spec: ISSUES_SPEC,
    authorize: (call) => (call.headers['private-token'] === GITLAB_TOKEN ? null : 'expected the configured PRIVATE-TOKEN'),
    handlers: {
      postApiV4ProjectsIdIssues: (call) =>
        guarded(call.operationId, () => {
          const body = call.body as { title: string; description?: string; labels?: string; confidential?: boolean };
          const issue: FakeIssue = {
            project: call.params.id ?? '',
            iid: issues.filter((i) => i.project === call.params.id).length + 1,
            title: body.title,
            description: body.description ?? '',
            labels: body.labels === undefined || body.labels === '' ? [] : body.labels.split(','),
            confidential: body.confidential ?? false,
            state: 'opened',
            notes: [],
          };
          issues.push(issue);
          return { status: 201, body: issueJson(issue) };
        }),
      getApiV4ProjectsIdIssues: (call) =>
        guarded(call.operationId, () => {
          const search = typeof call.query.search === 'string' ? call.query.search.toLowerCase() : null;
          const inDescription = call.query.in === undefined || String(call.query.in).includes('description');
          const inTitle = call.query.in === undefined || String(call.query.in).includes('title');
          const hits = issues.filter(
            (i) => i.project === call.params.id && (search === null || (inDescription && i.description.toLowerCase().includes(search)) || (inTitle && i.title.toLowerCase().includes(search))),
          );
          return { status: 200, body: hits.map(issueJson) };
        }),
      postApiV4ProjectsIdIssuesIssueIidNotes: (call) =>
        guarded(call.operationId, () => {
          const issue = find(call);
          if (issue === undefined) return notFound;
          const body = (call.body as { body: string }).body;
          issue.notes.push(body);
          return { status: 201, body: { ...upstreamNote(), id: 2000 + issue.notes.length, body, noteable_type: 'Issue', noteable_id: 1000 + issue.iid, noteable_iid: issue.iid } };
        }),
      putApiV4ProjectsIdIssuesIssueIid: (call) =>
        guarded(call.operationId, () => {
          const issue = find(call);
          if (issue === undefined) return notFound;
          const event = (call.body as { state_event?: string }).state_event;
          if (event === 'close') issue.state = 'closed';
          if (event === 'reopen') issue.state = 'opened';
          return { status: 200, body: issueJson(issue) };
        }),
    },
  });

  return {
    server,
    url: server.url,
    issues,
    fail(operationId, status, options = {}) {
      failures.set(operationId, { status, andDoIt: options.andDoIt ?? false, times: options.times ?? 1 });
    },
    hold() {
      let release = (): void => undefined;
      gate = new Promise<void>((resolve) => {
        release = () => {
          gate = null;
          resolve();
        };
      });
      return { release };
    },
    close: () => server.close(),
  };
}
