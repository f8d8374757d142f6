/**
 * The small part of multipart/form-data (RFC 7578) alert senders use: text fields. File parts and
 * anything malformed are refused rather than guessed at.
 */
import { AlertPayloadError } from './errors.js';

const MAX_FIELDS = 32;

function malformed(reason: string): AlertPayloadError {
  return new AlertPayloadError('malformed', `multipart body: ${reason}`);
}

function fieldName(headers: string): string {
  const disposition = headers
    .split('\r\n')
    .map((line) => line.trim())
    .find((line) => /^content-disposition:/i.test(line));
  if (disposition === undefined) throw malformed('a part has no Content-Disposition');
  if (/;\s*filename\*?=/i.test(disposition)) throw malformed('file parts are not accepted');
  const name = /;\s*name="([^"]*)"/i.exec(disposition)?.[1] ?? /;\s*name=([^;\s]+)/i.exec(disposition)?.[1];
  if (name === undefined || name === '') throw malformed('a part has no field name');
  return name;
}

export function parseMultipart(body: Buffer, boundary: string): Record<string, string> {
  // Line ends are CRLF by the RFC; LF-only bodies (hand-written, some proxies) are accepted too.
  const text = body.toString('utf8').replace(/\r?\n/g, '\r\n');
  const delimiter = `--${boundary}`;
  const first = text.indexOf(delimiter);
  if (first < 0) throw malformed('the boundary does not occur in the body');
  const fields: Record<string, string> = Object.create(null) as Record<string, string>;
  let pos = first + delimiter.length;
  for (let count = 0; ; count++) {
    if (text.startsWith('--', pos)) return fields; // closing delimiter
    if (!text.startsWith('\r\n', pos)) throw malformed('a boundary is not followed by a line end');
    if (count >= MAX_FIELDS) throw malformed(`more than ${MAX_FIELDS} parts`);
    const headerEnd = text.indexOf('\r\n\r\n', pos + 2);
    if (headerEnd < 0) throw malformed('a part has no header end');
    const name = fieldName(text.slice(pos + 2, headerEnd));
    const next = text.indexOf(`\r\n${delimiter}`, headerEnd + 4);
    if (next < 0) throw malformed('the closing boundary is missing');
    fields[name] = text.slice(headerEnd + 4, next);
    pos = next + 2 + delimiter.length;
  }
}
