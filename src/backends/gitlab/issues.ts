/**
 * GitLab issues as the alert pipeline's ticket system (TicketPort): create an issue, find one by
 * the marker in its description, comment on it (a note), close or reopen it. REST v4 with a
 * PRIVATE-TOKEN, over the same small HTTP helper as the pipeline client. Nothing here retries: the
 * ticket stage decides what is safe to repeat (it looks with `find` before creating again).
 */
import { Type, type Static } from '@sinclair/typebox';
import { BackendError } from '../../core/errors.js';
import type { NewTicket, TicketPort, TicketRef } from '../../core/alerts/tickets.js';
import { optionalOrNull, shapeCheck, type ShapeCheck } from '../../json-shape.js';
import { send, statusError } from '../jenkins/http.js';
import { jsonReply } from '../json-reply.js';

export interface GitlabIssuesSettings {
  readonly url: string;
  /** Personal, project or group access token (PRIVATE-TOKEN) with the api scope. */
  readonly token: string;
  readonly requestTimeoutMs: number;
}

/** The part of GitLab's Issue entity used here (GET/POST/PUT /projects/:id/issues...). */
const ISSUE = Type.Object({
  iid: Type.Integer(),
  web_url: Type.Optional(Type.String()),
  description: optionalOrNull(Type.String()),
});
type IssueJson = Static<typeof ISSUE>;

const issueShape = shapeCheck(ISSUE);
const issuesShape = shapeCheck(Type.Array(ISSUE));
/** A note's answer is not read. */
const anyShape = shapeCheck(Type.Unknown());

const BACKEND = 'GitLab';

export class GitlabIssues implements TicketPort {
  readonly noun = 'GitLab issue';
  private readonly base: URL;

  constructor(private readonly settings: GitlabIssuesSettings) {
    const root = settings.url.endsWith('/') ? settings.url : `${settings.url}/`;
    this.base = new URL('api/v4/', root);
  }

  async open(ticket: NewTicket, signal: AbortSignal): Promise<TicketRef> {
    const body = { title: ticket.title, description: ticket.description, labels: ticket.labels.join(','), confidential: ticket.confidential };
    const issue = await this.request(issueShape, 'POST', this.path(ticket.project, 'issues'), body, `opening an issue in ${ticket.project}`, [201], signal);
    return this.refOf(issue);
  }

  async find(project: string, marker: string, signal: AbortSignal): Promise<TicketRef | null> {
    const query = new URLSearchParams({ search: marker, in: 'description', per_page: '20' });
    const issues = await this.request(issuesShape, 'GET', `${this.path(project, 'issues')}?${query.toString()}`, undefined, `looking for an issue in ${project}`, [200], signal);
    // GitLab's search is fuzzy: only an issue that carries the exact marker is ours.
    const ours = issues.find((i) => typeof i.description === 'string' && i.description.includes(marker));
    return ours === undefined ? null : this.refOf(ours);
  }

  async comment(project: string, id: string, text: string, signal: AbortSignal): Promise<void> {
    await this.request(anyShape, 'POST', this.path(project, `issues/${this.iid(id)}/notes`), { body: text }, `commenting on issue #${id} in ${project}`, [201], signal);
  }

  async setState(project: string, id: string, state: 'closed' | 'reopened', signal: AbortSignal): Promise<void> {
    const event = state === 'closed' ? 'close' : 'reopen';
    await this.request(issueShape, 'PUT', this.path(project, `issues/${this.iid(id)}`), { state_event: event }, `${state === 'closed' ? 'closing' : 'reopening'} issue #${id} in ${project}`, [200], signal);
  }

  private path(project: string, rest: string): string {
    return `projects/${encodeURIComponent(project)}/${rest}`;
  }

  /** Issue iids come from GitLab (or the store); anything but a number never reaches a URL. */
  private iid(id: string): string {
    if (!/^\d{1,12}$/.test(id)) throw new BackendError(`"${id}" is not a GitLab issue number.`, 'gitlab');
    return id;
  }

  private refOf(issue: IssueJson): TicketRef {
    const url = typeof issue.web_url === 'string' && /^https?:\/\//.test(issue.web_url) ? issue.web_url : null;
    return { id: String(issue.iid), url };
  }

  private async request<T>(shape: ShapeCheck<T>, method: 'GET' | 'POST' | 'PUT', path: string, body: unknown, what: string, ok: readonly number[], signal: AbortSignal): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json', 'private-token': this.settings.token };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const reply = await send({
      backend: BACKEND,
      method,
      url: new URL(path, this.base),
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal,
      timeoutMs: this.settings.requestTimeoutMs,
    });
    if (!ok.includes(reply.status)) throw statusError(BACKEND, reply, what);
    return jsonReply(shape, reply.text, BACKEND, 'gitlab', what);
  }
}
