/**
 * The neutral Message as Mattermost markdown plus one message attachment: the tone becomes the
 * attachment's colour, `fields` blocks its fields, actions its buttons (signed by the caller), every
 * other block markdown. A message with nothing to colour, no fields and no buttons stays plain
 * markdown. The whole text is kept under Mattermost's 16,383-character post limit: the longest code
 * block loses its head first (its tail is what matters in a log), then the text is cut.
 */
import type { Action, Block, Message, Tone } from '../../core/message.js';
import { inertGroupMentions } from './group-mentions.js';
import type { AttachmentField, MessageAttachment, PostAction } from './wire.js';
import type { Writable } from './writable.js';

/** Mattermost's MaxPostSize in characters (model.PostMessageMaxRunesV2). */
export const POST_LIMIT = 16_383;

export const TONE_COLOURS: Readonly<Record<Tone, string | null>> = {
  info: '#2389D7',
  success: '#3DB887',
  warning: '#FFBC1F',
  danger: '#D24B4E',
  neutral: null,
};

export interface RenderedPost {
  /** Markdown of the post (empty when everything is in the attachment). */
  readonly message: string;
  readonly attachments: readonly MessageAttachment[];
}

/** Turns a neutral action into a button; null leaves buttons out (where they could not work). */
export type ButtonMaker = ((action: Action) => PostAction) | null;

const BAR_WIDTH = 20;

export function progressBar(done: number, total: number | null): string {
  if (total === null || total <= 0) return `${done} done`;
  const ratio = Math.max(0, Math.min(1, done / total));
  const filled = Math.round(ratio * BAR_WIDTH);
  return `\`${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}\` ${Math.round(ratio * 100)}% (${done}/${total})`;
}

function fence(text: string): string {
  // A fence longer than any backtick run inside, so log lines with ``` cannot end the block early.
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const marks = '`'.repeat(longest + 1);
  return `${marks}\n${text}\n${marks}`;
}

/**
 * A table cell's text: its pipes escaped so they cannot start a new cell. Mattermost's markdown
 * (marked's splitCells) counts the backslashes before a pipe, an even number leaving it a separator,
 * so backslashes already in front of one (`grep 'a\|b'`) are doubled, or they would cancel the escape.
 */
function cell(text: string): string {
  return text.replace(/(\\*)\|/g, (_, slashes: string) => `${slashes}${slashes}\\|`).replace(/\r?\n/g, ' ');
}

function table(columns: readonly string[], rows: readonly (readonly string[])[]): string {
  if (columns.length === 0) return '';
  const head = `| ${columns.map(cell).join(' | ')} |`;
  const rule = `|${columns.map(() => ' --- ').join('|')}|`;
  const body = rows.map((row) => `| ${columns.map((_, i) => cell(row[i] ?? '')).join(' | ')} |`);
  return [head, rule, ...body].join('\n');
}

/**
 * A block as markdown, its group mentions broken, except in a code block: Mattermost looks for
 * mentions only in markdown text, so a log line there stays exactly as it was written.
 */
function markdown(block: Exclude<Block, { kind: 'fields' }>): string {
  switch (block.kind) {
    case 'text':
      return inertGroupMentions(block.text);
    case 'code':
      return fence(block.text);
    case 'table':
      return inertGroupMentions(block.rows.length === 0 ? `_${block.columns.join(', ')}: none_` : table(block.columns, block.rows));
    case 'progress':
      return inertGroupMentions(`${progressBar(block.done, block.total)} ${block.step}`);
    case 'links':
      return inertGroupMentions(block.links.map((l) => `[${l.label.replace(/[[\]]/g, '')}](${linkTarget(l.url)})`).join(' · '));
  }
}

/** Brackets and spaces would end a markdown link early; encodeURIComponent leaves ( and ) alone. */
function linkTarget(url: string): string {
  return url.replace(/[()\s]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

function plainText(message: Message): string {
  const parts: string[] = [];
  if (message.title !== undefined) parts.push(message.title);
  for (const block of message.blocks) {
    if (block.kind === 'text') parts.push(block.text);
    else if (block.kind === 'progress') parts.push(block.step);
  }
  const text = parts.join(' — ').replace(/[*_`]/g, '');
  return text.length > 300 ? `${text.slice(0, 299)}…` : text;
}

/** Shortens the longest code block (keeping its tail) until the blocks fit `budget` characters. */
function fitBlocks(blocks: readonly Block[], budget: number, measure: (blocks: readonly Block[]) => number): Block[] {
  let out = [...blocks];
  for (let round = 0; round < 10 && measure(out) > budget; round++) {
    let longest = -1;
    out.forEach((b, i) => {
      const current = out[longest];
      if (b.kind === 'code' && (current === undefined || (current.kind === 'code' && b.text.length > current.text.length))) longest = i;
    });
    const target = out[longest];
    if (target === undefined || target.kind !== 'code') break;
    const excess = measure(out) - budget;
    const keep = Math.max(0, target.text.length - excess - 80);
    const dropped = target.text.length - keep;
    out = out.map((b, i) => (i === longest ? { kind: 'code' as const, text: `… ${dropped} characters not shown\n${target.text.slice(target.text.length - keep)}` } : b));
  }
  return out;
}

function cut(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, Math.max(0, limit - 1))}…`;
}

function others(blocks: readonly Block[]): string {
  return blocks
    .filter((b): b is Exclude<Block, { kind: 'fields' }> => b.kind !== 'fields')
    .map(markdown)
    .filter((t) => t !== '')
    .join('\n\n');
}

const NO_ACTIONS: readonly Action[] = [];

/**
 * One pass over the blocks; the fitting rounds (fitBlocks) only for a message over the limit. This
 * runs for every slash command answer and every live-post edit (see `npm run bench`).
 */
export function renderPost(message: Message, button: ButtonMaker): RenderedPost {
  const colour = TONE_COLOURS[message.tone];
  const actions = button === null ? NO_ACTIONS : (message.actions ?? NO_ACTIONS);
  const fields: AttachmentField[] = [];
  let fieldChars = 0;
  const parts: string[] = [];
  for (const block of message.blocks) {
    if (block.kind === 'fields') {
      for (const f of block.fields) {
        const value = inertGroupMentions(f.value);
        fields.push({ title: f.label, value, short: f.short ?? false });
        fieldChars += f.label.length + value.length;
      }
    } else {
      const text = markdown(block);
      if (text !== '') parts.push(text);
    }
  }
  const title = message.title === undefined ? undefined : cut(message.title, 500);
  const budget = POST_LIMIT - fieldChars - (title?.length ?? 0);
  const joined = parts.join('\n\n');
  const text = joined.length <= budget ? joined : cut(others(fitBlocks(message.blocks, budget, (b) => others(b).length)), Math.max(0, budget));

  if (colour === null && title === undefined && fields.length === 0 && actions.length === 0) {
    return { message: text, attachments: [] };
  }
  // Keys in this order (fallback, color, title, text, fields, actions): the golden files pin it.
  const attachment: Writable<MessageAttachment> = { fallback: plainText(message) };
  if (colour !== null) attachment.color = colour;
  if (title !== undefined) attachment.title = title;
  if (text !== '') attachment.text = text;
  if (fields.length > 0) attachment.fields = fields;
  if (actions.length > 0 && button !== null) attachment.actions = actions.map(button);
  return { message: '', attachments: [attachment] };
}

/** Plain markdown of a whole message, for places that take only text (ephemeral_text). */
export function renderMarkdown(message: Message): string {
  const head = message.title === undefined ? [] : [inertGroupMentions(`**${message.title}**`)];
  const body = message.blocks.map((b) => (b.kind === 'fields' ? inertGroupMentions(b.fields.map((f) => `**${f.label}:** ${f.value}`).join('\n')) : markdown(b)));
  return cut([...head, ...body].filter((t) => t !== '').join('\n\n'), POST_LIMIT);
}
