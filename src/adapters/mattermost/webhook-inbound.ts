/**
 * What a Mattermost OUTGOING webhook posts to opsbot when a message in a channel starts with one of
 * its trigger words (model.OutgoingWebhookPayload: token, team_id, team_domain, channel_id,
 * channel_name, timestamp, user_id, user_name, post_id, text, trigger_word, file_ids). The webhook's
 * content type setting decides the encoding: application/x-www-form-urlencoded (the default;
 * timestamp in seconds) or application/json (timestamp in milliseconds). Either is parsed and checked
 * here; anything else, or a payload without the shape Mattermost gives it, is refused with a reason.
 */
import { MATTERMOST_ID, MAX_TEXT_CHARS, isRecord, parseForm, type Parsed } from './inbound.js';

export interface WebhookRequest {
  /** The webhook's token (the `token` field); null when it was missing or empty. */
  readonly token: string | null;
  /** The trigger word that matched; '' when the webhook fires on every message of its channel. */
  readonly triggerWord: string;
  /** The whole message, trigger word included. */
  readonly text: string;
  readonly userId: string;
  readonly userName: string;
  readonly channelId: string;
  readonly channelName: string;
  readonly teamId: string;
  readonly teamDomain: string;
  /** The message that fired the webhook. */
  readonly postId: string;
}

export const WEBHOOK_CONTENT_TYPES = ['application/x-www-form-urlencoded', 'application/json'] as const;

const STRING_KEYS = ['token', 'team_id', 'team_domain', 'channel_id', 'channel_name', 'user_id', 'user_name', 'post_id', 'text', 'trigger_word', 'file_ids'] as const;
type Key = (typeof STRING_KEYS)[number];
type Fields = Partial<Record<Key, string>>;

/** The media type of a Content-Type header, without parameters (`; charset=utf-8`). */
function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

function fromForm(body: string): Parsed<Fields> {
  const form = parseForm(body);
  const fields: Fields = {};
  for (const key of STRING_KEYS) {
    const values = form.get(key) ?? [];
    if (values.length > 1) return { ok: false, reason: `${key} is given more than once` };
    if (values[0] !== undefined) fields[key] = values[0];
  }
  const timestamp = form.get('timestamp') ?? [];
  if (timestamp.length > 1) return { ok: false, reason: 'timestamp is given more than once' };
  // Seconds in the form variant (ToFormValues divides create_at by 1000).
  if (timestamp[0] !== undefined && timestamp[0] !== '' && !/^\d{1,16}$/.test(timestamp[0])) return { ok: false, reason: 'timestamp is not a number of seconds' };
  return { ok: true, value: fields };
}

function fromJson(body: string): Parsed<Fields> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { ok: false, reason: 'body is not valid JSON' };
  }
  if (!isRecord(parsed)) return { ok: false, reason: 'expected a JSON object' };
  const fields: Fields = {};
  for (const key of STRING_KEYS) {
    const value = parsed[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') return { ok: false, reason: `${key} must be a string` };
    fields[key] = value;
  }
  // Milliseconds in the JSON variant (the struct's int64 create_at as it is).
  const timestamp = parsed.timestamp;
  if (timestamp !== undefined && timestamp !== null && !(typeof timestamp === 'number' && Number.isSafeInteger(timestamp) && timestamp >= 0)) {
    return { ok: false, reason: 'timestamp must be a whole number of milliseconds' };
  }
  return { ok: true, value: fields };
}

/** Parses the body by its content type; the result is checked the same way for both encodings. */
export function parseWebhookRequest(contentType: string | undefined, body: unknown): Parsed<WebhookRequest> {
  const type = mediaType(contentType);
  if (!(WEBHOOK_CONTENT_TYPES as readonly string[]).includes(type)) {
    return { ok: false, reason: `expected ${WEBHOOK_CONTENT_TYPES.join(' or ')} (the outgoing webhook's content type), not ${type === '' ? 'no content type' : type}` };
  }
  if (typeof body !== 'string' || body.trim() === '') return { ok: false, reason: 'the body is empty' };
  const read = type === 'application/json' ? fromJson(body) : fromForm(body);
  if (!read.ok) return read;
  return checked(read.value);
}

function checked(fields: Fields): Parsed<WebhookRequest> {
  for (const key of ['user_id', 'channel_id'] as const) {
    const value = fields[key];
    if (value === undefined || value === '') return { ok: false, reason: `${key} is missing` };
    if (!MATTERMOST_ID.test(value)) return { ok: false, reason: `${key} is not a Mattermost id` };
  }
  for (const key of ['team_id', 'post_id'] as const) {
    const value = fields[key];
    if (value !== undefined && value !== '' && !MATTERMOST_ID.test(value)) return { ok: false, reason: `${key} is not a Mattermost id` };
  }
  const text = fields.text;
  if (text === undefined) return { ok: false, reason: 'text is missing' };
  if (text.length > MAX_TEXT_CHARS) return { ok: false, reason: 'text is too long' };
  const triggerWord = fields.trigger_word;
  if (triggerWord === undefined) return { ok: false, reason: 'trigger_word is missing' };
  // Mattermost matches the trigger word against the message's first word: a payload where it is not
  // at the start did not come from a trigger-word match.
  if (triggerWord !== '' && !text.trimStart().startsWith(triggerWord)) return { ok: false, reason: 'text does not start with trigger_word' };
  const token = fields.token ?? '';
  return {
    ok: true,
    value: {
      token: token === '' ? null : token,
      triggerWord,
      text,
      userId: fields.user_id ?? '',
      userName: fields.user_name ?? '',
      channelId: fields.channel_id ?? '',
      channelName: fields.channel_name ?? '',
      teamId: fields.team_id ?? '',
      teamDomain: fields.team_domain ?? '',
      postId: fields.post_id ?? '',
    },
  };
}

/**
 * The command in a triggered message: the text after its trigger word. A `:` or `,` right after the
 * word is part of addressing the bot (`opsbot: status`), not of the command. The rest goes to the
 * tokenizer as typed (quotes, a long dash for `--`).
 */
export function commandText(request: Pick<WebhookRequest, 'text' | 'triggerWord'>): string {
  const typed = request.text.trimStart();
  const rest = typed.startsWith(request.triggerWord) ? typed.slice(request.triggerWord.length) : typed;
  return rest.replace(/^[:,]/, '').trim();
}
