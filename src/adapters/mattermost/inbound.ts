/**
 * What Mattermost sends opsbot, parsed and checked before anything acts on it: the slash command's
 * form (every field it sends, mention keys repeated once per mention), the button click and the
 * dialog submission (JSON). A request that does not have the shape Mattermost gives it is refused
 * with a reason (HTTP 400), never half-used.
 */
import { TRIGGER_PATTERN } from '../../config/schema/mattermost.js';

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

export interface SlashRequest {
  /** From `Authorization: Token …`, else the `token` field; null when neither was sent. */
  readonly token: string | null;
  /** The trigger without its slash. */
  readonly trigger: string;
  readonly text: string;
  readonly userId: string;
  readonly userName: string;
  readonly channelId: string;
  readonly channelName: string;
  readonly teamId: string;
  readonly teamDomain: string;
  readonly triggerId: string | null;
  readonly responseUrl: string | null;
  /** The thread the command was typed in, if any. */
  readonly rootId: string | null;
  /** Display only: who and what the text @- and ~-mentions. */
  readonly mentions: { readonly users: readonly string[]; readonly channels: readonly string[] };
}

export interface ActionRequest {
  readonly userId: string;
  readonly userName: string;
  readonly channelId: string;
  readonly channelName: string;
  readonly postId: string;
  readonly triggerId: string | null;
  readonly context: unknown;
}

export interface DialogSubmission {
  readonly callbackId: string;
  readonly state: string;
  readonly userId: string;
  readonly channelId: string;
  readonly cancelled: boolean;
  readonly submission: Readonly<Record<string, unknown>>;
}

/** Mattermost ids are 26 lowercase letters and digits; a little slack for other id styles. */
const ID = /^[A-Za-z0-9_-]{1,64}$/;
const TRIGGER = new RegExp(TRIGGER_PATTERN);
const MAX_TEXT = 16_383;
const SINGLE_KEYS = ['token', 'team_id', 'team_domain', 'channel_id', 'channel_name', 'user_id', 'user_name', 'command', 'text', 'trigger_id', 'response_url', 'root_id'];

const WHITE_SPACE = /\s/;

/**
 * application/x-www-form-urlencoded, keeping repeated keys. Whitespace around each `key=value` pair
 * is dropped: a real body has none (Go percent-encodes it), and documentation samples wrap lines.
 */
export function parseForm(body: string): Map<string, string[]> {
  const form = new Map<string, string[]>();
  if (!WHITE_SPACE.test(body)) {
    // A real body: one parser over all of it (a parser per pair was a share of every slash command).
    for (const [key, value] of new URLSearchParams(body)) {
      const values = form.get(key);
      if (values === undefined) form.set(key, [value]);
      else values.push(value);
    }
    return form;
  }
  for (const pair of body.split('&')) {
    const trimmed = pair.trim();
    if (trimmed === '') continue;
    const params = new URLSearchParams(trimmed);
    for (const [key, value] of params) form.set(key, [...(form.get(key) ?? []), value]);
  }
  return form;
}

/** A repeated key's values; the 2022 docs showed them as one JSON-array string, so that is read too. */
function many(form: Map<string, string[]>, key: string): string[] {
  const values = form.get(key) ?? [];
  const only = values[0];
  if (values.length === 1 && only !== undefined && only.trim().startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(only);
      if (Array.isArray(parsed) && parsed.every((v): v is string => typeof v === 'string')) return parsed;
    } catch {
      // not JSON: an ordinary value that starts with [
    }
  }
  return values;
}

function tokenFromHeader(authorization: string | undefined): string | null {
  const match = /^token\s+(\S+)\s*$/i.exec(authorization ?? '');
  return match?.[1] ?? null;
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

export function parseSlashRequest(form: Map<string, string[]>, authorization: string | undefined): Parsed<SlashRequest> {
  for (const key of SINGLE_KEYS) {
    if ((form.get(key)?.length ?? 0) > 1) return { ok: false, reason: `${key} is given more than once` };
  }
  const one = (key: string): string | undefined => form.get(key)?.[0];
  const command = one('command');
  if (command === undefined) return { ok: false, reason: 'command is missing' };
  const trigger = command.replace(/^\//, '');
  if (!command.startsWith('/') || !TRIGGER.test(trigger)) return { ok: false, reason: 'command is not a slash command trigger' };
  const text = one('text');
  if (text === undefined) return { ok: false, reason: 'text is missing' };
  if (text.length > MAX_TEXT) return { ok: false, reason: 'text is too long' };
  for (const key of ['user_id', 'channel_id']) {
    const value = one(key);
    if (value === undefined) return { ok: false, reason: `${key} is missing` };
    if (!ID.test(value)) return { ok: false, reason: `${key} is not a Mattermost id` };
  }
  for (const key of ['team_id', 'root_id']) {
    const value = one(key);
    if (value !== undefined && value !== '' && !ID.test(value)) return { ok: false, reason: `${key} is not a Mattermost id` };
  }
  const responseUrl = one('response_url') ?? '';
  if (responseUrl !== '' && !isHttpUrl(responseUrl)) return { ok: false, reason: 'response_url is not an http(s) URL' };
  const triggerId = one('trigger_id') ?? '';
  const rootId = one('root_id') ?? '';
  const headerToken = tokenFromHeader(authorization);
  const fieldToken = one('token') ?? '';
  return {
    ok: true,
    value: {
      token: headerToken ?? (fieldToken === '' ? null : fieldToken),
      trigger,
      text,
      userId: one('user_id') ?? '',
      userName: one('user_name') ?? '',
      channelId: one('channel_id') ?? '',
      channelName: one('channel_name') ?? '',
      teamId: one('team_id') ?? '',
      teamDomain: one('team_domain') ?? '',
      triggerId: triggerId === '' ? null : triggerId,
      responseUrl: responseUrl === '' ? null : responseUrl,
      rootId: rootId === '' ? null : rootId,
      mentions: { users: many(form, 'user_mentions'), channels: many(form, 'channel_mentions') },
    },
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(body: Record<string, unknown>, key: string): Parsed<string> {
  const value = body[key];
  if (value === undefined || value === null) return { ok: true, value: '' };
  if (typeof value !== 'string') return { ok: false, reason: `${key} must be a string` };
  return { ok: true, value };
}

function requiredId(body: Record<string, unknown>, key: string): Parsed<string> {
  const value = body[key];
  if (typeof value !== 'string' || value === '') return { ok: false, reason: `${key} is missing` };
  if (!ID.test(value)) return { ok: false, reason: `${key} is not a Mattermost id` };
  return { ok: true, value };
}

export function parseActionRequest(body: unknown): Parsed<ActionRequest> {
  if (!isRecord(body)) return { ok: false, reason: 'expected a JSON object' };
  const fields: Record<string, string> = {};
  for (const key of ['user_id', 'channel_id', 'post_id']) {
    const id = requiredId(body, key);
    if (!id.ok) return id;
    fields[key] = id.value;
  }
  for (const key of ['user_name', 'channel_name', 'trigger_id']) {
    const value = optionalString(body, key);
    if (!value.ok) return value;
    fields[key] = value.value;
  }
  if (body.context !== undefined && body.context !== null && !isRecord(body.context)) return { ok: false, reason: 'context must be an object' };
  return {
    ok: true,
    value: {
      userId: fields.user_id ?? '',
      userName: fields.user_name ?? '',
      channelId: fields.channel_id ?? '',
      channelName: fields.channel_name ?? '',
      postId: fields.post_id ?? '',
      triggerId: fields.trigger_id === '' || fields.trigger_id === undefined ? null : fields.trigger_id,
      context: body.context ?? null,
    },
  };
}

export function parseDialogSubmission(body: unknown): Parsed<DialogSubmission> {
  if (!isRecord(body)) return { ok: false, reason: 'expected a JSON object' };
  if (body.type !== 'dialog_submission') return { ok: false, reason: 'type must be dialog_submission' };
  const user = requiredId(body, 'user_id');
  if (!user.ok) return user;
  const channel = requiredId(body, 'channel_id');
  if (!channel.ok) return channel;
  const callbackId = optionalString(body, 'callback_id');
  if (!callbackId.ok) return callbackId;
  const state = optionalString(body, 'state');
  if (!state.ok) return state;
  if (typeof body.cancelled !== 'boolean') return { ok: false, reason: 'cancelled must be true or false' };
  const submission = body.submission ?? {};
  if (!isRecord(submission)) return { ok: false, reason: 'submission must be an object' };
  return {
    ok: true,
    value: { callbackId: callbackId.value, state: state.value, userId: user.value, channelId: channel.value, cancelled: body.cancelled, submission },
  };
}

// Shared with the outgoing webhook's parser (webhook-inbound.ts), so both apply the same rules.
export { ID as MATTERMOST_ID, MAX_TEXT as MAX_TEXT_CHARS, isRecord };
