/**
 * Command text from a Teams message: `<at>opsbot</at> deploy store-pl blue` → `deploy store-pl blue`.
 * Teams puts the mention markup in `text` and names it in a `mention` entity; the two do not always
 * agree (the docs show text `<at>Pranav Smith</at>` with entity text `<at>@Pranav Smith</at>`), and
 * the markup may arrive HTML-escaped (`&lt;at&gt;`). Other people's mentions keep their names.
 */
import type { WireEntity } from './wire.js';

const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', '#39': "'" };

export function decodeHtmlEntities(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|apos|nbsp|#39|#(\d{1,6})|#x([0-9a-fA-F]{1,6}));/g, (whole, name: string, dec?: string, hex?: string) => {
    if (dec !== undefined) return safeCodePoint(Number.parseInt(dec, 10)) ?? whole;
    if (hex !== undefined) return safeCodePoint(Number.parseInt(hex, 16)) ?? whole;
    return ENTITIES[name] ?? whole;
  });
}

function safeCodePoint(code: number): string | null {
  return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : null;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export interface StrippedText {
  readonly text: string;
  /** The message @mentions the bot (what a channel message must do to be for opsbot). */
  readonly mentionsBot: boolean;
}

export function stripMentions(raw: string, entities: readonly WireEntity[] | null | undefined, botId: string | undefined): StrippedText {
  let text = decodeHtmlEntities(raw);
  let mentionsBot = false;
  for (const entity of entities ?? []) {
    if (entity.type !== 'mention' || botId === undefined || entity.mentioned?.id !== botId) continue;
    mentionsBot = true;
    const forms = new Set<string>();
    if (typeof entity.text === 'string' && entity.text !== '') forms.add(decodeHtmlEntities(entity.text));
    const name = entity.mentioned.name;
    if (typeof name === 'string' && name !== '') {
      forms.add(`<at>${name}</at>`);
      forms.add(`<at>@${name}</at>`);
    }
    for (const form of forms) text = text.replace(new RegExp(escapeRegExp(form), 'gi'), ' ');
  }
  // Anyone else mentioned stays as a plain name: `lock db <at>Ann</at> asked` → `lock db Ann asked`.
  text = text.replace(/<at>@?([^<]*)<\/at>/gi, '$1');
  return { text: text.replace(/\s+/g, ' ').trim(), mentionsBot };
}
