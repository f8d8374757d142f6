/**
 * A small typed Jenkins remote-access client: HTTP Basic with an API token, and a CSRF crumb fetched
 * once per client and reused (with its session cookie). A POST refused for a missing or stale crumb
 * (403 naming the crumb) was never acted on by Jenkins, so it is safe to fetch a fresh crumb and send
 * it once more; every other failure is final. (The `jenkins` npm package was not used: it takes no
 * AbortSignal, does not refresh crumbs and hides the progressive-log headers.)
 */
import { Type, type Static } from '@sinclair/typebox';
import { optionalOrNull, shapeCheck, type ShapeCheck } from '../../json-shape.js';
import { jsonReply } from '../json-reply.js';
import { send, statusError, type HttpExchange } from './http.js';

export interface JenkinsConnection {
  /** Root URL, e.g. https://ci.example.com/ or https://example.com/jenkins/. */
  readonly url: string;
  readonly user: string;
  readonly token: string;
  readonly requestTimeoutMs: number;
}

/** The part of a queue item (queue/item/<id>/api/json) opsbot reads. */
const QUEUE_ITEM = Type.Object({
  id: Type.Integer(),
  _class: Type.Optional(Type.String()),
  blocked: Type.Optional(Type.Boolean()),
  buildable: Type.Optional(Type.Boolean()),
  stuck: Type.Optional(Type.Boolean()),
  why: optionalOrNull(Type.String()),
  cancelled: Type.Optional(Type.Boolean()),
  executable: optionalOrNull(Type.Object({ number: Type.Optional(Type.Integer()), url: Type.Optional(Type.String()) })),
});

/** The part of a build (job/<name>/<number>/api/json) opsbot reads. */
const BUILD = Type.Object({
  number: Type.Integer(),
  url: Type.String(),
  building: Type.Boolean(),
  result: optionalOrNull(Type.String()),
  displayName: Type.Optional(Type.String()),
  duration: Type.Optional(Type.Number()),
  estimatedDuration: Type.Optional(Type.Number()),
  actions: Type.Optional(
    Type.Array(Type.Union([Type.Object({ _class: Type.Optional(Type.String()), parameters: Type.Optional(Type.Array(Type.Object({ name: Type.Optional(Type.String()), value: Type.Optional(Type.Unknown()) }))) }), Type.Null()])),
  ),
});

export type QueueItem = Static<typeof QUEUE_ITEM>;
export type BuildInfo = Static<typeof BUILD>;
export const queueItemShape = shapeCheck(QUEUE_ITEM);
export const buildShape = shapeCheck(BUILD);
const crumbShape = shapeCheck(Type.Object({ crumb: Type.String(), crumbRequestField: Type.String() }));

export interface LogChunk {
  readonly text: string;
  /** Offset to ask for next (`X-Text-Size`). */
  readonly next: number;
  /** `X-More-Data: true`: the build is still writing. */
  readonly more: boolean;
}

interface Crumb {
  readonly field: string;
  readonly value: string;
  readonly cookie: string | null;
}

const BACKEND = 'Jenkins';

export class JenkinsClient {
  private readonly base: URL;
  private readonly auth: string;
  /** undefined: not fetched yet; null: the server has no crumb issuer (CSRF protection off). */
  private crumb: Crumb | null | undefined;

  constructor(private readonly connection: JenkinsConnection) {
    this.base = new URL(connection.url.endsWith('/') ? connection.url : `${connection.url}/`);
    this.auth = `Basic ${Buffer.from(`${connection.user}:${connection.token}`).toString('base64')}`;
  }

  get origin(): string {
    return this.base.href.replace(/\/$/, '');
  }

  /** `store/build` → `job/store/job/build/`: folders are nested `job/` segments. */
  static jobPath(job: string): string {
    const parts = job.split('/');
    // The config schema refuses these too; a URL would resolve them upwards.
    if (parts.some((p) => p === '' || p === '.' || p === '..')) throw new Error(`invalid Jenkins job path ${JSON.stringify(job)}`);
    return `${parts.map((part) => `job/${encodeURIComponent(part)}`).join('/')}/`;
  }

  url(path: string): URL {
    return new URL(path.replace(/^\//, ''), this.base);
  }

  async getJson<T>(shape: ShapeCheck<T>, path: string, what: string, signal: AbortSignal): Promise<T> {
    const reply = await this.exchange('GET', path, undefined, signal);
    if (reply.status !== 200) throw statusError(BACKEND, reply, what);
    return jsonReply(shape, reply.text, BACKEND, 'jenkins', what);
  }

  async progressiveText(jobPath: string, build: number, start: number, signal: AbortSignal): Promise<LogChunk> {
    const reply = await this.exchange('GET', `${jobPath}${build}/logText/progressiveText?start=${start}`, undefined, signal);
    if (reply.status !== 200) throw statusError(BACKEND, reply, `the console log of build #${build}`);
    const size = Number(reply.headers.get('x-text-size'));
    return {
      text: reply.text,
      next: Number.isSafeInteger(size) && size >= start ? size : start + Buffer.byteLength(reply.text),
      more: reply.headers.get('x-more-data') === 'true',
    };
  }

  /**
   * A state-changing POST with the crumb. Returns the reply for the caller to judge; a crumb refusal is
   * answered by one fresh crumb and one more attempt, since Jenkins did nothing with the first.
   */
  async post(path: string, form: URLSearchParams | null, signal: AbortSignal): Promise<HttpExchange> {
    const first = await this.postOnce(path, form, signal);
    if (!isCrumbRefusal(first)) return first;
    this.crumb = undefined;
    return this.postOnce(path, form, signal);
  }

  private async postOnce(path: string, form: URLSearchParams | null, signal: AbortSignal): Promise<HttpExchange> {
    const crumb = await this.currentCrumb(signal);
    const headers: Record<string, string> = {};
    if (crumb !== null) {
      headers[crumb.field] = crumb.value;
      if (crumb.cookie !== null) headers.cookie = crumb.cookie;
    }
    if (form !== null) headers['content-type'] = 'application/x-www-form-urlencoded';
    return this.exchange('POST', path, form === null ? undefined : form.toString(), signal, headers);
  }

  /** Fetches the crumb now (if not yet), so a failure there is not mistaken for a failed POST. */
  async ensureCrumb(signal: AbortSignal): Promise<void> {
    await this.currentCrumb(signal);
  }

  private async currentCrumb(signal: AbortSignal): Promise<Crumb | null> {
    if (this.crumb !== undefined) return this.crumb;
    const reply = await this.exchange('GET', 'crumbIssuer/api/json', undefined, signal);
    if (reply.status === 404) {
      this.crumb = null;
      return null;
    }
    if (reply.status !== 200) throw statusError(BACKEND, reply, 'a CSRF crumb');
    const parsed = jsonReply(crumbShape, reply.text, BACKEND, 'jenkins', 'the crumb request');
    const cookies = reply.headers.getSetCookie().map((c) => c.split(';')[0] ?? '').filter((c) => c !== '');
    this.crumb = { field: parsed.crumbRequestField, value: parsed.crumb, cookie: cookies.length === 0 ? null : cookies.join('; ') };
    return this.crumb;
  }

  private exchange(method: 'GET' | 'POST', path: string, body: string | undefined, signal: AbortSignal, headers: Record<string, string> = {}): Promise<HttpExchange> {
    return send({
      backend: BACKEND,
      method,
      url: this.url(path),
      headers: { authorization: this.auth, accept: 'application/json', ...headers },
      ...(body === undefined ? {} : { body }),
      signal,
      timeoutMs: this.connection.requestTimeoutMs,
    });
  }
}

function isCrumbRefusal(reply: HttpExchange): boolean {
  return reply.status === 403 && /crumb/i.test(reply.text);
}
