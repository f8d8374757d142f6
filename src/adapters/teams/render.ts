/**
 * The neutral Message as an Adaptive Card, version 1.4: the newest version every Teams client
 * renders in bot-sent cards (1.5 elements such as Table are not used; tables become column sets).
 * Buttons become Action.Submit whose data is a signed token (./action-token.ts); links become
 * markdown links. Pure: the signer is passed in, so golden files can pin the output.
 */
import { literal, literalCodeSpans } from './literal.js';
import type { Action, Block, Message, Tone } from '../../core/message.js';

export const CARD_VERSION = '1.4';
export const CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';

export type CardJson = { readonly [key: string]: unknown };

/** Returns the signed token a button carries. */
export type ActionSigner = (action: Action) => string;

/** Teams refuses messages over ~28 KB; these keep a card well below that. */
const LIMITS = { text: 4_000, code: 3_000, tableRows: 30, tableColumns: 6, cell: 200, facts: 30 } as const;

const TONE_COLOR: Readonly<Record<Tone, string>> = { info: 'Accent', success: 'Good', warning: 'Warning', danger: 'Attention', neutral: 'Default' };
const TONE_MARK: Readonly<Record<Tone, string>> = { info: 'ℹ️ ', success: '✅ ', warning: '⚠️ ', danger: '⛔ ', neutral: '' };

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The tail of long output is what matters (the error at the end of a log). */
function clipHead(text: string, max: number): string {
  return text.length > max ? `…${text.slice(text.length - max + 1)}` : text;
}

function textBlock(text: string, extra: CardJson = {}): CardJson {
  return { type: 'TextBlock', text, wrap: true, ...extra };
}

function progressBar(done: number, total: number | null): string {
  if (total === null || total <= 0) return `${done} done`;
  const width = 20;
  const filled = Math.max(0, Math.min(width, Math.round((done / total) * width)));
  return `${'█'.repeat(filled)}${'░'.repeat(width - filled)} ${done}/${total}`;
}

function renderBlock(block: Block): CardJson[] {
  switch (block.kind) {
    case 'text':
      return [textBlock(literalCodeSpans(clip(block.text, LIMITS.text)))];
    case 'fields': {
      const facts = block.fields.slice(0, LIMITS.facts).map((f) => ({ title: clip(f.label, LIMITS.cell), value: clip(f.value, LIMITS.cell) }));
      return facts.length === 0 ? [] : [{ type: 'FactSet', facts }];
    }
    case 'code':
      return [
        {
          type: 'Container',
          style: 'emphasis',
          items: [textBlock(literal(clipHead(block.text, LIMITS.code)), { fontType: 'Monospace', size: 'Small' })],
        },
      ];
    case 'table':
      return renderTable(block.columns, block.rows);
    case 'progress':
      return [textBlock(literalCodeSpans(block.step), { weight: 'Bolder' }), textBlock(progressBar(block.done, block.total), { fontType: 'Monospace', isSubtle: true, spacing: 'None' })];
    case 'links':
      return block.links.length === 0 ? [] : [textBlock(block.links.map((l) => `[${l.label.replace(/[[\]]/g, '')}](${l.url})`).join(' · '))];
  }
}

function renderTable(columns: readonly string[], rows: readonly (readonly string[])[]): CardJson[] {
  const shown = columns.slice(0, LIMITS.tableColumns);
  const row = (cells: readonly string[], header: boolean): CardJson => ({
    type: 'ColumnSet',
    spacing: header ? 'Default' : 'Small',
    separator: header,
    columns: shown.map((_, i) => ({
      type: 'Column',
      width: 'stretch',
      items: [textBlock(literalCodeSpans(clip(cells[i] ?? '', LIMITS.cell)), header ? { weight: 'Bolder' } : { spacing: 'None' })],
    })),
  });
  const out = [row(shown, true), ...rows.slice(0, LIMITS.tableRows).map((r) => row(r, false))];
  if (rows.length > LIMITS.tableRows) out.push(textBlock(`… and ${rows.length - LIMITS.tableRows} more rows`, { isSubtle: true }));
  return out;
}

function renderAction(action: Action, sign: ActionSigner): CardJson {
  const style = action.style === 'primary' ? { style: 'positive' } : action.style === 'danger' ? { style: 'destructive' } : {};
  return { type: 'Action.Submit', id: action.id, title: action.label, ...style, data: { opsbot: sign(action) } };
}

export function renderCard(message: Message, sign: ActionSigner): CardJson {
  const body: CardJson[] = [];
  if (message.title !== undefined) {
    body.push(textBlock(`${TONE_MARK[message.tone]}${literalCodeSpans(clip(message.title, LIMITS.cell * 2))}`, { weight: 'Bolder', size: 'Medium', color: TONE_COLOR[message.tone] }));
  }
  message.blocks.forEach((block, i) => {
    const rendered = renderBlock(block);
    // Without a title, the tone shows on the first text.
    const first = rendered[0];
    if (i === 0 && message.title === undefined && message.tone !== 'neutral' && first !== undefined && first.type === 'TextBlock') {
      rendered[0] = { ...first, color: TONE_COLOR[message.tone] };
    }
    body.push(...rendered);
  });
  if (body.length === 0) body.push(textBlock(' '));
  const card: CardJson = {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: CARD_VERSION,
    body,
  };
  const actions = message.actions ?? [];
  return actions.length === 0 ? card : { ...card, actions: actions.map((a) => renderAction(a, sign)) };
}

/** One line for notifications and the chat list (Teams shows "sent a card" otherwise). */
export function summaryOf(message: Message): string {
  const first = message.title ?? message.blocks.map((b) => (b.kind === 'text' ? b.text : b.kind === 'progress' ? b.step : '')).find((t) => t !== '') ?? 'opsbot';
  return clip(first.replace(/\s+/g, ' '), 120);
}

/** The outgoing activity's content: one Adaptive Card plus its summary. */
export interface CardActivity {
  readonly type: 'message';
  readonly summary: string;
  // Mutable on purpose: botbuilder's Activity type takes plain arrays.
  readonly attachments: { contentType: string; content: CardJson }[];
}

export function renderActivity(message: Message, sign: ActionSigner): CardActivity {
  return { type: 'message', summary: summaryOf(message), attachments: [{ contentType: CARD_CONTENT_TYPE, content: renderCard(message, sign) }] };
}
