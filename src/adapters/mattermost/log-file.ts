/**
 * A message's text file (a finished job's log) as a Mattermost upload: when it is needed (the post
 * could not show it), how much of it goes (the tail, within the configured size), and whether the
 * server really attached it to an edited post (servers before edit-attachments support take the
 * patch but ignore its file_ids).
 */
import type { TextFile } from '../../core/message.js';
import { POST_LIMIT, type RenderedPost } from './render.js';

/** Default of mattermost.uploadLimit: 5 MiB. */
export const DEFAULT_UPLOAD_LIMIT_BYTES = 5 * 1024 * 1024;

/** Room kept for the note that says how much of the head was left out. */
const NOTE_BYTES = 120;
/** A cut is moved to the next line start when one is this close. */
const LINE_SEARCH_BYTES = 4 * 1024;

/** Characters a rendered post takes against POST_LIMIT (what render.ts budgets). */
export function renderedLength(post: RenderedPost): number {
  return (
    post.message.length +
    post.attachments.reduce((n, a) => n + (a.title?.length ?? 0) + (a.text?.length ?? 0) + (a.fields ?? []).reduce((m, f) => m + f.title.length + f.value.length, 0), 0)
  );
}

/** True when the file, as a code block, would not fit in the post next to what the post already says. */
export function tooLongForPost(post: RenderedPost, file: TextFile): boolean {
  // "\n\n" before the block, a fence of at least three backticks and a newline on each side.
  return renderedLength(post) + file.text.length + 10 > POST_LIMIT;
}

/**
 * The file's last `limitBytes` bytes of UTF-8 at most, starting at a character (and, when one is
 * close, a line), under a note saying how much of the head was left out.
 */
export function tailWithin(text: string, limitBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= limitBytes) return text;
  let start = bytes.length - Math.max(0, limitBytes - NOTE_BYTES);
  // Never start inside a character: skip UTF-8 continuation bytes (10xxxxxx).
  while (start < bytes.length && ((bytes[start] ?? 0) & 0xc0) === 0x80) start += 1;
  const newline = bytes.indexOf(0x0a, start);
  if (newline !== -1 && newline - start < LINE_SEARCH_BYTES && newline + 1 < bytes.length) start = newline + 1;
  return `… the first ${start} bytes are left out (uploads are limited to ${limitBytes} bytes)\n${bytes.subarray(start).toString('utf8')}`;
}

/**
 * Whether the post the server answered with shows the file. `metadata.files` is what clients display
 * (built from the files attached to the post); only when a server sends no metadata at all is
 * `file_ids` taken at its word.
 */
export function showsFile(post: unknown, fileId: string): boolean {
  if (!isRecord(post)) return false;
  const metadata = post.metadata;
  if (isRecord(metadata)) {
    const files = metadata.files;
    return Array.isArray(files) && files.some((f) => isRecord(f) && f.id === fileId);
  }
  return Array.isArray(post.file_ids) && post.file_ids.includes(fileId);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
