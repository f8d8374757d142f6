/**
 * `@channel`, `@all` and `@here` found the way the Mattermost server finds them, so that the ones in
 * text opsbot posts can be broken and nothing else. A pattern is not enough: the server splits the
 * text into words of letters, digits and `:.-_@`, drops `:.-_` before a word and after it
 * (`_@here`, `@channel-` notify), splits a word that does not start with `@` at `.-:` (`deploy.@all`
 * notifies; `ops@all.example.com` does not), and reads markdown character references first
 * (`&#64;channel` is `@channel`). Mirrors StandardMentionParser.ProcessText and checkForMention in
 * mattermost/server/channels/app (mention_parser_standard.go), which runs on a post's markdown text.
 */

const GROUPS: ReadonlySet<string> = new Set(['@channel', '@all', '@here']);

/** A run of what Go's FieldsFunc in ProcessText keeps: unicode.IsLetter, unicode.IsNumber, `:.-_@`. */
const WORD = /[\p{L}\p{N}:.\-_@]+/gu;

/**
 * Character references that stand for a letter or `@`, the only ones that can spell a group mention
 * (any other reference is at worst a word boundary here, which can only find more, never fewer).
 * The server's markdown reads up to 8 digits, decimal or hex, and named references.
 */
const REFERENCE = /&(?:#(\d{1,8})|#[xX]([0-9a-fA-F]{1,8})|(commat));/g;
const SPELLING = /^[A-Za-z@]$/;

const ZERO_WIDTH_SPACE = '\u200B';

function isGroup(word: string): boolean {
  return GROUPS.has(word.toLowerCase());
}

/** The text as the server reads it, and for each of its characters the offset just past it in `text`. */
function decoded(text: string): { readonly view: string; readonly after: (index: number) => number } {
  if (!text.includes('&')) return { view: text, after: (index) => index + 1 };
  let view = '';
  const ends: number[] = [];
  let from = 0;
  const copy = (to: number): void => {
    for (let i = from; i < to; i++) ends.push(i + 1);
    view += text.slice(from, to);
  };
  for (const match of text.matchAll(REFERENCE)) {
    const [whole, decimal, hex, named] = match;
    const code = decimal !== undefined ? Number.parseInt(decimal, 10) : hex !== undefined ? Number.parseInt(hex, 16) : named !== undefined ? 0x40 : NaN;
    const char = code > 0 && code < 0x80 ? String.fromCharCode(code) : '';
    if (!SPELLING.test(char)) continue;
    copy(match.index);
    view += char;
    ends.push(match.index + whole.length);
    from = match.index + whole.length;
  }
  copy(text.length);
  return { view, after: (index) => ends[index] ?? index + 1 };
}

/** Offsets (in `word`) of the `@` of each group mention the server finds in one word. */
function groupMentionsIn(word: string): number[] {
  // ':smile:' is taken for an emoji and skipped.
  if (word.startsWith(':') && word.endsWith(':')) return [];
  const start = word.search(/[^:.\-_]/);
  if (start === -1) return [];
  const trimmed = word.slice(start);
  if (isGroup(trimmed)) return [start];
  for (let end = trimmed.length; end > 0 && ':.-_'.includes(trimmed.charAt(end - 1)); ) {
    end -= 1;
    if (isGroup(trimmed.slice(0, end))) return [start];
  }
  if (trimmed.startsWith('@') || !/[.\-:]/.test(trimmed)) return [];
  const found: number[] = [];
  for (const piece of trimmed.matchAll(/[^.\-:]+/g)) if (isGroup(piece[0])) found.push(start + piece.index);
  return found;
}

/**
 * The text of a post is not only opsbot's own words: a lock's reason, an alert's summary, a job's
 * step come from other people and systems. Posted by the bot, an `@channel` in them would notify the
 * whole channel, whoever wrote it and whether or not they may. So every group mention the server
 * would find gets a zero-width space after its `@`: what is shown stays the same, and nobody is
 * notified. Everything else (a person's mention, an address) is left exactly as it was.
 */
export function inertGroupMentions(text: string): string {
  if (!text.includes('@') && !text.includes('&')) return text;
  const { view, after } = decoded(text);
  const cuts: number[] = [];
  for (const word of view.matchAll(WORD)) {
    if (!word[0].includes('@')) continue;
    for (const offset of groupMentionsIn(word[0])) cuts.push(after(word.index + offset));
  }
  if (cuts.length === 0) return text;
  cuts.sort((a, b) => a - b);
  let out = '';
  let from = 0;
  for (const cut of cuts) {
    out += `${text.slice(from, cut)}${ZERO_WIDTH_SPACE}`;
    from = cut;
  }
  return out + text.slice(from);
}
