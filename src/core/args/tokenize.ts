/**
 * Splits chat text into words the way a POSIX shell would split *literal* text: single and double
 * quotes group words, backslash escapes the next character, adjacent quoted parts join. Nothing is
 * ever expanded: `$VAR`, `$(cmd)`, backticks, globs, `;`, `|` and `&` stay plain characters.
 *
 * Chat clients rewrite what people type, so we undo the usual rewrites first: curly quotes become
 * straight quotes, and a leading em or en dash (`—force`, `–force`) becomes `--`.
 */
import { UsageError } from '../errors.js';

export interface Token {
  readonly value: string;
  /** True if the word's first character was quoted or escaped: such a word is never taken for a flag. */
  readonly quoted: boolean;
  /**
   * True when the tokenizer has seen every character is printable ASCII, so the parser can skip its
   * control-character check (a share of every dispatch). Absent or false: the parser checks.
   */
  readonly clean?: boolean;
}

const CURLY_QUOTES: Readonly<Record<string, string>> = {
  '\u201c': '"', '\u201d': '"', '\u201e': '"', '\u00ab': '"', '\u00bb': '"',
  '\u2018': "'", '\u2019': "'", '\u201a': "'",
};

export function normalizeChatText(text: string): string {
  return text.replace(/[\u201c\u201d\u201e\u00ab\u00bb\u2018\u2019\u201a]/g, (c) => CURLY_QUOTES[c] ?? c).replace(/\u00a0/g, ' ');
}

/** Text with none of these needs no quote, escape or dash handling: it splits on white space alone. */
const NEEDS_FULL_TOKENIZER = /["'\\\u00a0\u00ab\u00bb\u2012-\u2015\u2018-\u201e]/;

export function tokenize(input: string): Token[] {
  const plain = splitPlainAscii(input);
  if (plain !== null) return plain;
  if (!NEEDS_FULL_TOKENIZER.test(input)) return splitOnWhiteSpace(input);
  const text = normalizeChatText(input);
  const tokens: Token[] = [];
  let current = '';
  let inWord = false;
  let quoted = false;
  let i = 0;

  const push = (): void => {
    if (inWord) tokens.push({ value: quoted ? current : undashed(current), quoted, clean: false });
    current = '';
    inWord = false;
    quoted = false;
  };

  while (i < text.length) {
    const c = text[i] as string;
    if (/\s/.test(c)) {
      push();
      i += 1;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new UsageError(`Unterminated single quote at column ${i + 1}.`);
      if (!inWord) quoted = true;
      current += text.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      if (!inWord) quoted = true;
      i = readDoubleQuoted(text, i + 1, (part) => (current += part));
      inWord = true;
    } else if (c === '\\') {
      if (!inWord) quoted = true;
      if (i + 1 < text.length) current += text[i + 1];
      inWord = true;
      i += 2;
    } else {
      current += c;
      inWord = true;
      i += 1;
    }
  }
  push();
  return tokens;
}

/**
 * The fastest path, for what people type nearly always: printable ASCII and ASCII spaces or tabs, no
 * quotes and no backslashes. One pass over char codes, no regular expression; anything else (a quote,
 * a non-ASCII character, a line break) answers null and takes the paths below.
 */
function splitPlainAscii(input: string): Token[] | null {
  const tokens: Token[] = [];
  let start = -1;
  for (let i = 0; i < input.length; i += 1) {
    const c = input.charCodeAt(i);
    if (c === 0x20 || c === 0x09) {
      if (start >= 0) {
        tokens.push({ value: input.slice(start, i), quoted: false, clean: true });
        start = -1;
      }
    } else if (c < 0x21 || c > 0x7e || c === 0x22 || c === 0x27 || c === 0x5c) {
      return null;
    } else if (start < 0) {
      start = i;
    }
  }
  if (start >= 0) tokens.push({ value: input.slice(start), quoted: false, clean: true });
  return tokens;
}

/** The fast path: one pass, one array (split + filter + map made three, on every dispatch). */
function splitOnWhiteSpace(input: string): Token[] {
  const tokens: Token[] = [];
  WORD.lastIndex = 0;
  for (let match = WORD.exec(input); match !== null; match = WORD.exec(input)) tokens.push({ value: match[0], quoted: false, clean: false });
  return tokens;
}

const WORD = /\S+/g;

/** Reads up to the closing double quote; `\"` and `\\` are escapes, every other backslash is literal. */
function readDoubleQuoted(text: string, start: number, append: (part: string) => void): number {
  let i = start;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') return i + 1;
    if (c === '\\' && (text[i + 1] === '"' || text[i + 1] === '\\')) {
      append(text[i + 1] as string);
      i += 2;
    } else {
      append(c as string);
      i += 1;
    }
  }
  throw new UsageError(`Unterminated double quote at column ${start}.`);
}

/** `—force` / `–force` (a chat client's rewrite of `--force`) → `--force`. */
function undashed(word: string): string {
  return /^[\u2014\u2013\u2012\u2015]/.test(word) ? `--${word.slice(1)}` : word;
}
