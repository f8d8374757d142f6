/** Renders the neutral message model as plain terminal text (the local shell "chat"). */
import type { Block, Message } from '../../core/message.js';
import { renderTable } from './table.js';

/** Unicode's control characters (C0, DEL, C1) but newline and tab. */
const CONTROL = /[^\P{Cc}\n\t]/gu;

/**
 * Text from elsewhere reaches this terminal too: other people's commands in `audit` and `jobs`, alert
 * labels, a job's log. Its control characters are shown (`\x1b`), not obeyed, so no escape sequence
 * in it can recolour, retitle or rewrite the operator's terminal. Newlines and tabs stay.
 */
export function terminalSafe(text: string): string {
  return text.replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

const TONE_MARK: Readonly<Record<Message['tone'], string>> = { info: 'ℹ', success: '✔', warning: '⚠', danger: '✖', neutral: '' };

export interface RenderOptions {
  /** The terminal's width in cells: tables wider than this wrap their widest columns. */
  readonly width?: number;
}

export function renderText(message: Message, options: RenderOptions = {}): string {
  const out: string[] = [];
  const mark = TONE_MARK[message.tone];
  if (message.title !== undefined) out.push(`${mark === '' ? '' : `${mark} `}${message.title}`);
  message.blocks.forEach((block, i) => {
    const text = renderBlock(block, options);
    out.push(i === 0 && message.title === undefined && mark !== '' ? `${mark} ${text}` : text);
  });
  if (message.actions !== undefined && message.actions.length > 0) {
    out.push(message.actions.map((a) => `[${a.label}: \`${a.command}\`]`).join('  '));
  }
  return out.join('\n');
}

function renderBlock(block: Block, options: RenderOptions): string {
  switch (block.kind) {
    case 'text':
      return block.text;
    case 'code':
      return block.text.split('\n').map((l) => `    ${l}`).join('\n');
    case 'fields':
      return block.fields.map((f) => `${f.label}: ${f.value}`).join('\n');
    case 'links':
      return block.links.map((l) => `${l.label}: ${l.url}`).join('\n');
    case 'progress':
      return `${progressBar(block.done, block.total)} ${block.step}`;
    case 'table':
      return renderTable(block.columns, block.rows, options.width);
  }
}

export function progressBar(done: number, total: number | null, width = 20): string {
  if (total === null || total <= 0) return `[${done}]`;
  const filled = Math.max(0, Math.min(width, Math.round((done / total) * width)));
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`;
}
