/**
 * Alertmanager's v2 API, the part `silence` and `unsilence` use: POST /api/v2/silences and
 * DELETE /api/v2/silence/{id}. Matchers go as structured JSON (name, value, isRegex, isEqual),
 * never as text Alertmanager would parse. Every call honours the caller's AbortSignal and a timeout.
 */
import { Type, type Static } from '@sinclair/typebox';
import { BackendError } from '../../core/errors.js';
import type { NewSilence, SilenceBackend } from '../../core/alerts/service.js';
import { shapeCheck } from '../../json-shape.js';
import { jsonReply } from '../json-reply.js';

export interface AlertmanagerSettings {
  /** Base URL without a trailing slash, e.g. http://127.0.0.1:9093. */
  readonly url: string;
  readonly bearer: string | null;
  /** Milliseconds per request. */
  readonly timeout: number;
}

const SILENCE_ID = /^[A-Za-z0-9-]{1,64}$/;

/** GET /api/v2/silence/<id>: the part opsbot reads. */
const SILENCE = Type.Object({
  id: Type.String(),
  status: Type.Object({ state: Type.String() }),
  matchers: Type.Array(Type.Object({ name: Type.String(), value: Type.String(), isRegex: Type.Boolean(), isEqual: Type.Optional(Type.Boolean()) })),
  comment: Type.String(),
  createdBy: Type.String(),
  startsAt: Type.String(),
  endsAt: Type.String(),
});
export type AlertmanagerSilence = Static<typeof SILENCE>;
const silenceShape = shapeCheck(SILENCE);
/** POST /api/v2/silences */
const createdShape = shapeCheck(Type.Object({ silenceID: Type.String() }));

export class AlertmanagerClient implements SilenceBackend {
  constructor(private readonly settings: AlertmanagerSettings) {}

  private async request(method: string, path: string, body: unknown, signal: AbortSignal): Promise<{ status: number; text: string }> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.settings.bearer !== null) headers.authorization = `Bearer ${this.settings.bearer}`;
    let response: Response;
    try {
      response = await fetch(`${this.settings.url}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.any([signal, AbortSignal.timeout(this.settings.timeout)]),
      });
    } catch (error: unknown) {
      if (signal.aborted) throw error;
      throw new BackendError(`Alertmanager at ${this.settings.url} did not answer (${error instanceof Error ? error.message : String(error)}).`, 'alertmanager', { cause: error });
    }
    return { status: response.status, text: await response.text() };
  }

  private failure(what: string, status: number, text: string): BackendError {
    // Alertmanager answers errors as a JSON string or plain text; keep it short.
    const reason = text.trim().replace(/^"|"$/g, '').slice(0, 300);
    return new BackendError(`Alertmanager refused to ${what} (HTTP ${status}: ${reason || 'no reason given'}).`, 'alertmanager');
  }

  async create(silence: NewSilence, signal: AbortSignal): Promise<string> {
    const body = {
      matchers: silence.matchers.map((m) => ({ name: m.name, value: m.value, isRegex: m.isRegex, isEqual: m.isEqual })),
      startsAt: silence.startsAt.toISOString(),
      endsAt: silence.endsAt.toISOString(),
      createdBy: silence.createdBy,
      comment: silence.comment,
    };
    const { status, text } = await this.request('POST', '/api/v2/silences', body, signal);
    if (status !== 200) throw this.failure('create the silence', status, text);
    const id = jsonReply(createdShape, text, 'Alertmanager', 'alertmanager', 'the new silence').silenceID;
    if (!SILENCE_ID.test(id)) throw new BackendError('Alertmanager answered without a silence id.', 'alertmanager');
    return id;
  }

  async expire(id: string, signal: AbortSignal): Promise<'expired' | 'not_found'> {
    if (!SILENCE_ID.test(id)) return 'not_found';
    const { status, text } = await this.request('DELETE', `/api/v2/silence/${encodeURIComponent(id)}`, undefined, signal);
    if (status === 200) return 'expired';
    // 404: no such silence; 500 "silence ... already expired" on some versions.
    if (status === 404 || /already expired/i.test(text)) return 'not_found';
    throw this.failure(`end silence ${id}`, status, text);
  }

  /** For tests and diagnostics. */
  async get(id: string, signal: AbortSignal): Promise<AlertmanagerSilence | null> {
    const { status, text } = await this.request('GET', `/api/v2/silence/${encodeURIComponent(id)}`, undefined, signal);
    if (status === 404) return null;
    if (status !== 200) throw this.failure(`read silence ${id}`, status, text);
    return jsonReply(silenceShape, text, 'Alertmanager', 'alertmanager', `silence ${id}`);
  }
}
