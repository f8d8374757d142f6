/**
 * Raw body + Content-Type → a decoded payload: JSON (every source) or form fields (multipart
 * form-data, which Uptime Kuma sends when its webhook is set to "form-data"). Pure; the intake
 * route does the HTTP part.
 */
import { AlertPayloadError } from './errors.js';
import { parseMultipart } from './multipart.js';

export type PayloadKind = 'json' | 'form';

export type Payload =
  | { readonly kind: 'json'; readonly value: unknown }
  | { readonly kind: 'form'; readonly fields: Readonly<Record<string, string>> };

export interface MediaType {
  readonly type: string;
  readonly params: Readonly<Record<string, string>>;
}

export function parseMediaType(header: string | undefined): MediaType | null {
  if (header === undefined || header.trim() === '') return null;
  const [type = '', ...rest] = header.split(';');
  const params: Record<string, string> = {};
  for (const part of rest) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim().toLowerCase();
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    params[key] = value;
  }
  return { type: type.trim().toLowerCase(), params };
}

/** `application/json`, and `application/<anything>+json` (some proxies rewrite the type). */
function isJson(type: string): boolean {
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

export function payloadKindOf(media: MediaType | null): PayloadKind | null {
  if (media === null) return null;
  if (isJson(media.type)) return 'json';
  if (media.type === 'multipart/form-data') return 'form';
  return null;
}

export function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error: unknown) {
    const detail = error instanceof SyntaxError ? error.message : 'unreadable';
    throw new AlertPayloadError('malformed', `the body is not valid JSON (${detail})`);
  }
}

function hasByteOrderMark(body: Buffer): boolean {
  return body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf;
}

export function decodePayload(contentType: string | undefined, body: Buffer, accepts: readonly PayloadKind[]): Payload {
  const media = parseMediaType(contentType);
  const kind = payloadKindOf(media);
  if (media === null || kind === null || !accepts.includes(kind)) {
    const wanted = accepts.map((k) => (k === 'json' ? 'application/json' : 'multipart/form-data')).join(' or ');
    throw new AlertPayloadError('unsupported_media', `Content-Type ${media === null ? '(none)' : `"${media.type}"`} is not accepted here; send ${wanted}`);
  }
  const charset = (media.params.charset ?? 'utf-8').toLowerCase();
  if (charset !== 'utf-8' && charset !== 'utf8') throw new AlertPayloadError('unsupported_media', `charset "${charset}" is not accepted; send UTF-8`);
  // Like TextDecoder (invalid bytes become U+FFFD, a byte order mark is dropped), without making a
  // decoder per body.
  const text = (hasByteOrderMark(body) ? body.subarray(3) : body).toString('utf8');
  if (kind === 'json') return { kind, value: parseJsonText(text) };
  const boundary = media.params.boundary;
  if (boundary === undefined || boundary === '') throw new AlertPayloadError('malformed', 'multipart/form-data without a boundary');
  return { kind, fields: parseMultipart(body, boundary) };
}
