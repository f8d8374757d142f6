/**
 * A small typed GitLab REST v4 client for pipelines. (@gitbeaker/rest was tried and not used: its
 * default requester retries any request answered 429 or 502 up to ten times, POSTs included, which
 * would create duplicate pipelines, and it turns cancellation into a timeout error.)
 * Nothing here retries.
 */
import { BackendError } from '../../core/errors.js';
import { send, statusError } from '../jenkins/http.js';

export interface GitlabConnection {
  readonly url: string;
  /** Personal, project or group access token (PRIVATE-TOKEN). */
  readonly token: string;
  readonly requestTimeoutMs: number;
}

export interface GitlabPipeline {
  readonly id: number;
  readonly project_id: number;
  readonly status: string;
  readonly ref: string;
  readonly web_url?: string;
  readonly duration?: number | null;
  readonly yaml_errors?: string | null;
}

export interface GitlabJob {
  readonly id: number;
  readonly name: string;
  readonly stage: string;
  readonly status: string;
  readonly failure_reason?: string | null;
  readonly web_url?: string;
  readonly allow_failure?: boolean;
}

const BACKEND = 'GitLab';

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
    return this.request<GitlabPipeline>('POST', `projects/${GitlabClient.project(project)}/pipeline`, body, `creating a pipeline on ${ref}`, [201], signal, { authenticated: true, idempotent: false });
  }

  /** With a pipeline trigger token (which alone authenticates the call). */
  triggerPipeline(project: string, ref: string, triggerToken: string, variables: Readonly<Record<string, string>>, signal: AbortSignal): Promise<GitlabPipeline> {
    const body = { token: triggerToken, ref, variables };
    return this.request<GitlabPipeline>('POST', `projects/${GitlabClient.project(project)}/trigger/pipeline`, body, `triggering a pipeline on ${ref}`, [201], signal, { authenticated: false, idempotent: false });
  }

  pipeline(project: string, id: number, signal: AbortSignal): Promise<GitlabPipeline> {
    return this.request<GitlabPipeline>('GET', `projects/${GitlabClient.project(project)}/pipelines/${id}`, undefined, `pipeline #${id}`, [200], signal);
  }

  jobs(project: string, id: number, signal: AbortSignal): Promise<GitlabJob[]> {
    return this.request<GitlabJob[]>('GET', `projects/${GitlabClient.project(project)}/pipelines/${id}/jobs?per_page=100`, undefined, `the jobs of pipeline #${id}`, [200], signal);
  }

  cancel(project: string, id: number, signal: AbortSignal): Promise<GitlabPipeline> {
    return this.request<GitlabPipeline>('POST', `projects/${GitlabClient.project(project)}/pipelines/${id}/cancel`, undefined, `cancelling pipeline #${id}`, [200, 201], signal);
  }

  retry(project: string, id: number, signal: AbortSignal): Promise<GitlabPipeline> {
    return this.request<GitlabPipeline>('POST', `projects/${GitlabClient.project(project)}/pipelines/${id}/retry`, undefined, `retrying pipeline #${id}`, [201], signal);
  }

  private async request<T>(
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    what: string,
    ok: readonly number[],
    signal: AbortSignal,
    options: { authenticated: boolean; idempotent: boolean } = { authenticated: true, idempotent: true },
  ): Promise<T> {
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
    if (!ok.includes(reply.status)) throw statusError(BACKEND, reply.status, what, reply.text);
    try {
      return JSON.parse(reply.text) as T;
    } catch (error: unknown) {
      throw new BackendError(`GitLab answered ${what} with something that is not JSON.`, 'gitlab', { cause: error });
    }
  }
}
