/**
 * One HTTP exchange with a CI server (shared by the Jenkins and GitLab clients), with the failure modes turned into BackendErrors that carry
 * the server's own words. Cancellation (the job's signal) is passed through untouched so the runner
 * records it as cancelled or timed out; a server that does not answer in time is a backend failure.
 * Nothing here retries: callers decide what is safe to repeat (a follow's reads wait out an
 * UnavailableError, patient.ts; nothing that starts or stops a run is ever repeated).
 */
import { BackendError } from '../../core/errors.js';
import { parseRetryAfter } from '../../core/outbox/backoff.js';

export interface HttpExchange {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

export interface SendOptions {
  /** `Jenkins`, `GitLab`: names the server in messages. */
  readonly backend: string;
  readonly method: 'GET' | 'POST' | 'PUT';
  readonly url: URL;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly signal: AbortSignal;
  /** Per-request limit; the job's own timeout still applies through `signal`. */
  readonly timeoutMs: number;
}

/**
 * The server could not serve the request now: unreachable, too slow, or it said so (429, 502, 503,
 * 504). Whether the request happened is unknown for a POST; a read may simply be asked again later
 * (patient.ts), which is what a follow does while a CI server restarts or sheds load.
 */
export class UnavailableError extends BackendError {
  constructor(
    message: string,
    backend: string,
    /** The server's Retry-After, when it gave one. */
    readonly retryAfterMs: number | null,
    options?: { cause?: unknown },
  ) {
    super(message, backend, options);
  }
}

export async function send(options: SendOptions): Promise<HttpExchange> {
  const { backend, method, url, signal, timeoutMs } = options;
  signal.throwIfAborted();
  const deadline = AbortSignal.timeout(timeoutMs);
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: options.headers ?? {},
      ...(options.body === undefined ? {} : { body: options.body }),
      signal: AbortSignal.any([signal, deadline]),
      redirect: 'manual',
    });
    return { status: response.status, headers: response.headers, text: await response.text() };
  } catch (error: unknown) {
    if (signal.aborted) throw signal.reason as Error;
    const where = `${method} ${url.origin}${url.pathname}`;
    if (deadline.aborted) {
      throw new UnavailableError(`${backend} did not answer within ${timeoutMs < 1000 ? `${timeoutMs} ms` : `${Math.round(timeoutMs / 1000)} s`} (${where}).`, backend.toLowerCase(), null, { cause: error });
    }
    throw new UnavailableError(`Cannot reach ${backend} at ${url.origin}: ${networkReason(error)}.`, backend.toLowerCase(), null, { cause: error });
  }
}

function networkReason(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const code = typeof cause === 'object' && cause !== null && 'code' in cause ? String(cause.code) : null;
  const message = cause instanceof Error ? cause.message : String(cause);
  return code !== null && !message.includes(code) ? `${code} ${message}` : message;
}

/** A short readable reason from an error body: a JSON message, an HTML title, or the first words. */
export function reasonOf(text: string): string {
  const trimmed = text.trim();
  if (trimmed === '') return '';
  try {
    const parsed: unknown = JSON.parse(trimmed);
    if (typeof parsed === 'object' && parsed !== null) {
      const record = parsed as Record<string, unknown>;
      const message = record.message ?? record.error ?? record.error_description;
      if (message !== undefined) return clip(typeof message === 'string' ? message : JSON.stringify(message));
    }
  } catch {
    // not JSON: read it as HTML or text below
  }
  const title = /<title>([^<]*)<\/title>/i.exec(trimmed)?.[1];
  const body = /<body[^>]*>([\s\S]*)<\/body>/i.exec(trimmed)?.[1] ?? trimmed;
  const words = body.replace(/<script[\s\S]*?<\/script>/gi, ' ').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim();
  return clip(words !== '' ? words : (title ?? '').trim());
}

function clip(text: string): string {
  return text.length > 300 ? `${text.slice(0, 299)}…` : text;
}

/** The standard sentence for an HTTP error status, with the server's reason appended. */
export function statusError(backend: string, reply: HttpExchange, what: string): BackendError {
  const { status } = reply;
  const reason = reasonOf(reply.text);
  const said = reason === '' ? '' : `: ${reason}`;
  const kind = backend.toLowerCase();
  switch (status) {
    case 429:
      return new UnavailableError(`${backend} is limiting its rate and refused ${what} (429)${said}.`, kind, parseRetryAfter(reply.headers.get('retry-after')));
    case 502:
    case 503:
    case 504:
      return new UnavailableError(`${backend} failed ${what} (${status})${said}.`, kind, parseRetryAfter(reply.headers.get('retry-after')));
    case 401:
      return new BackendError(`${backend} refused the credentials (401) for ${what}${said}. Check the user and token in the config.`, kind);
    case 403:
      return new BackendError(`${backend} denied ${what} (403)${said}.`, kind);
    case 404:
      return new BackendError(`${backend} found no such thing for ${what} (404)${said}.`, kind);
    case 409:
      return new BackendError(`${backend} refused ${what} in its current state (409)${said}.`, kind);
    default:
      return new BackendError(`${backend} failed ${what} (${status})${said}.`, kind);
  }
}
