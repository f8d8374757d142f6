/**
 * A small typed GitLab REST v4 client for pipelines. (@gitbeaker/rest was tried and not used: its
 * default requester retries any request answered 429 or 502 up to ten times, POSTs included, which
 * would create duplicate pipelines, and it turns cancellation into a timeout error.)
 * Nothing here retries.
 */
import { Type, type Static } from '@sinclair/typebox';
import { BackendError } from '../../core/errors.js';
import { optionalOrNull, shapeCheck, type ShapeCheck } from '../../json-shape.js';
import { send, statusError } from '../jenkins/http.js';
import { jsonReply } from '../json-reply.js';

export interface GitlabConnection {
  readonly url: string;
  /** Personal, project or group access token (PRIVATE-TOKEN). */
  readonly token: string;
  readonly requestTimeoutMs: number;
}

/** The part of GitLab's Pipeline entity opsbot reads (create, trigger, get, cancel, retry all answer one). */
const PIPELINE = Type.Object({
  id: Type.Integer(),
  project_id: Type.Integer(),
  status: Type.String(),
  ref: Type.String(),
  web_url: Type.Optional(Type.String()),
  duration: optionalOrNull(Type.Number()),
  yaml_errors: optionalOrNull(Type.String()),
});

const JOB = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  stage: Type.String(),
  status: Type.String(),
  failure_reason: optionalOrNull(Type.String()),
  web_url: Type.Optional(Type.String()),
  allow_failure: Type.Optional(Type.Boolean()),
});

export type GitlabPipeline = Static<typeof PIPELINE>;
export type GitlabJob = Static<typeof JOB>;

const pipelineShape = shapeCheck(PIPELINE);
const jobsShape = shapeCheck(Type.Array(JOB));

const BACKEND = 'GitLab';

interface RequestOptions {
  readonly authenticated: boolean;
  /** False for a create: one that timed out may have happened, and is never repeated. */
  readonly idempotent: boolean;
}
const READ: RequestOptions = { authenticated: true, idempotent: true };
type RequestArgs = [method: 'GET' | 'POST', path: string, body: unknown, what: string, ok: readonly number[], signal: AbortSignal, options?: RequestOptions];
/** 5,000 jobs: more than any real pipeline has, and a bound on a server whose pages never end. */
const MAX_JOB_PAGES = 50;

export class GitlabClient {
  private readonly base: URL;
  /** The server's root URL without a trailing slash, for messages. */
  readonly origin: string;

  constructor(private readonly connection: GitlabConnection) {
    const root = connection.url.endsWith('/') ? connection.url : `${connection.url}/`;
    this.base = new URL('api/v4/', root);
    this.origin = root.replace(/\/$/, '');
  }

  static project(project: string): string {
    return encodeURIComponent(project);
  }

  createPipeline(project: string, ref: string, variables: Readonly<Record<string, string>>, signal: AbortSignal): Promise<GitlabPipeline> {
    const body = { ref, variables: Object.entries(variables).map(([key, value]) => ({ key, value })) };
    return this.request(pipelineShape, 'POST', `projects/${GitlabClient.project(project)}/pipeline`, body, `creating a pipeline on ${ref}`, [201], signal, { authenticated: true, idempotent: false });
  }

  /** With a pipeline trigger token (which alone authenticates the call). */
  triggerPipeline(project: string, ref: string, triggerToken: string, variables: Readonly<Record<string, string>>, signal: AbortSignal): Promise<GitlabPipeline> {
    const body = { token: triggerToken, ref, variables };
    return this.request(pipelineShape, 'POST', `projects/${GitlabClient.project(project)}/trigger/pipeline`, body, `triggering a pipeline on ${ref}`, [201], signal, { authenticated: false, idempotent: false });
  }

  pipeline(project: string, id: number, signal: AbortSignal): Promise<GitlabPipeline> {
    return this.request(pipelineShape, 'GET', `projects/${GitlabClient.project(project)}/pipelines/${id}`, undefined, `pipeline #${id}`, [200], signal);
  }

  /**
   * Every job of the pipeline: GitLab answers at most 100 a page and says in `X-Next-Page` (empty on
   * the last) whether there are more, so a failed job past the first page is still named.
   */
  async jobs(project: string, id: number, signal: AbortSignal): Promise<GitlabJob[]> {
    const all: GitlabJob[] = [];
    let page = 1;
    for (let fetched = 0; fetched < MAX_JOB_PAGES; fetched += 1) {
      const path = `projects/${GitlabClient.project(project)}/pipelines/${id}/jobs?per_page=100&page=${page}`;
      const { value, headers } = await this.exchange(jobsShape, 'GET', path, undefined, `the jobs of pipeline #${id}`, [200], signal);
      all.push(...value);
      const next = Number(headers.get('x-next-page') ?? '');
      // An empty or missing header ends it; so does a next page that does not move forward.
      if (!Number.isSafeInteger(next) || next <= page || value.length === 0) break;
      page = next;
    }
    return all;
  }

  cancel(project: string, id: number, signal: AbortSignal): Promise<GitlabPipeline> {
    return this.request(pipelineShape, 'POST', `projects/${GitlabClient.project(project)}/pipelines/${id}/cancel`, undefined, `cancelling pipeline #${id}`, [200, 201], signal);
  }

  retry(project: string, id: number, signal: AbortSignal): Promise<GitlabPipeline> {
    return this.request(pipelineShape, 'POST', `projects/${GitlabClient.project(project)}/pipelines/${id}/retry`, undefined, `retrying pipeline #${id}`, [201], signal);
  }

  private async request<T>(shape: ShapeCheck<T>, ...args: RequestArgs): Promise<T> {
    return (await this.exchange(shape, ...args)).value;
  }

  /** One request; the answer checked against `shape`, with the headers (pagination). */
  private async exchange<T>(shape: ShapeCheck<T>, ...[method, path, body, what, ok, signal, options = READ]: RequestArgs): Promise<{ value: T; headers: Headers }> {
    const url = new URL(path, this.base);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.authenticated) headers['private-token'] = this.connection.token;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const reply = await send({
      backend: BACKEND,
      method,
      url,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal,
      timeoutMs: this.connection.requestTimeoutMs,
    }).catch((error: unknown) => {
      if (!options.idempotent && error instanceof BackendError && /did not answer/.test(error.message)) {
        throw new BackendError(`${error.message} The pipeline may or may not have been created: check GitLab before trying again.`, 'gitlab', { cause: error });
      }
      throw error;
    });
    if (!ok.includes(reply.status)) throw statusError(BACKEND, reply, what);
    return { value: jsonReply(shape, reply.text, BACKEND, 'gitlab', what), headers: reply.headers };
  }
}
