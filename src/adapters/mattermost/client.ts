/**
 * The REST client: @mattermost/client's Client4 (every call the bot makes goes through one of its
 * methods), with its transport replaced so that each call has a timeout and a failed call says its
 * HTTP status and how long the server asked us to wait (429 Retry-After / X-RateLimit-Reset), which
 * Client4's own error type does not carry. Plus the one call Client4 lacks: opening a dialog.
 *
 * @mattermost/client is CommonJS: a named import fails under plain Node, so import the default and
 * destructure.
 */
import { parseRetryAfter } from '../../core/outbox/backoff.js';
import mattermostClient from '@mattermost/client';
import type { Options } from '@mattermost/types/client4';
import type { OpenDialogRequest } from './wire.js';

const { Client4 } = mattermostClient;

/** A non-2xx answer from Mattermost. */
export class MattermostHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** From Retry-After or X-RateLimit-Reset, when the server sent one. */
    readonly retryAfterMs: number | null,
  ) {
    super(message);
    this.name = 'MattermostHttpError';
  }
}

/** Seconds (or an HTTP date) in Retry-After; else seconds until the window resets in X-RateLimit-Reset. */
export function retryAfterMs(headers: Headers, now: number = Date.now()): number | null {
  const retryAfter = parseRetryAfter(headers.get('retry-after'), now);
  if (retryAfter !== null) return retryAfter;
  const reset = headers.get('x-ratelimit-reset');
  if (reset !== null && /^\d+$/.test(reset.trim())) return Number(reset.trim()) * 1000;
  return null;
}

export interface ClientOptions {
  readonly url: string;
  readonly token: string;
  readonly timeoutMs: number;
}

export class MattermostClient extends Client4 {
  private readonly timeoutMs: number;

  constructor(options: ClientOptions) {
    super();
    this.timeoutMs = options.timeoutMs;
    this.setUrl(options.url);
    this.setToken(options.token);
    // A server process has no cookie jar and must never send one.
    this.setIncludeCookies(false);
    this.setUserAgent('opsbot');
  }

  /** POST /api/v4/actions/dialogs/open (not in Client4), through the same transport. */
  openInteractiveDialog(request: OpenDialogRequest): Promise<{ status?: string }> {
    return this.doFetch<{ status?: string }>(`${this.getBaseRoute()}/actions/dialogs/open`, { method: 'post', body: JSON.stringify(request) });
  }

  /**
   * POST /api/v4/files through Client4.uploadFile: one text file into a channel, as multipart/form-data
   * with channel_id before the file (the server's streaming reader needs the channel first). Resolves
   * with the file's id, for a post's file_ids.
   */
  async uploadTextFile(channelId: string, name: string, text: string): Promise<string> {
    const form = new FormData();
    form.append('channel_id', channelId);
    form.append('files', new Blob([text], { type: 'text/plain; charset=utf-8' }), name);
    // Typed wider than Client4 says: the answer is wire input, checked here.
    const answer: { readonly file_infos?: readonly { readonly id?: unknown }[] } = await this.uploadFile(form);
    const id = answer.file_infos?.[0]?.id;
    if (typeof id !== 'string' || id === '') throw new Error('Mattermost answered the upload without a file id');
    return id;
  }

  protected override doFetch = async <T>(url: string, options: Options): Promise<T> => {
    const response = await fetch(url, { ...this.getOptions(options), signal: AbortSignal.timeout(this.timeoutMs) });
    const text = await response.text();
    const json = /json/i.test(response.headers.get('content-type') ?? '') && text !== '' ? safeJson(text) : undefined;
    if (!response.ok) {
      const detail = isRecord(json) && typeof json.message === 'string' ? json.message : text.slice(0, 200);
      throw new MattermostHttpError(response.status, `Mattermost answered ${response.status}${detail === '' ? '' : `: ${detail}`}`, retryAfterMs(response.headers));
    }
    // The caller names the type it expects from the endpoint it called (Client4's own contract).
    return (json === undefined ? text : json) as T;
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
