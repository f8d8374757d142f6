/**
 * Splits chat text into words the way a POSIX shell would split *literal* text: single and double
 * quotes group words, backslash escapes the next character, adjacent quoted parts join. Nothing is
 * ever expanded: `$VAR`, `$(cmd)`, backticks, globs, `;`, `|` and `&` stay plain characters.
 *
 * One departure from the shell: in a `name=value` word (`alertname="High CPU"`, `note="a b"`), a
 * double-quoted value keeps its quotes, as typed, to the end of the word. The quotes still group the
 * spaces, but whether the value was quoted is the command's business: silence matchers read `\"`
 * escapes and quoted values themselves, and key=value variables unquote the value (parse.ts). A word
 * that starts with a quote, and an option's `--name="value"`, are unquoted as a shell would.
 *
 * Chat clients rewrite what people type, so we undo the usual rewrites first: curly quotes become
 * straight quotes, and a long dash that begins an option word (`—force`, `–dry-run`) becomes `--`.
 * A long dash anywhere else is text and stays as written (`10–12`, `back soon — promise`).
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
  /** From a `name="…"` value's opening quote to the end of the word, the text is kept as typed. */
  let verbatim = false;
  let i = 0;

  const push = (): void => {
    if (inWord) tokens.push({ value: quoted ? current : undashed(current), quoted, clean: false });
    current = '';
    inWord = false;
    quoted = false;
    verbatim = false;
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
      current += verbatim ? text.slice(i, end + 1) : text.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      if (!inWord) quoted = true;
      else if (!verbatim) verbatim = opensQuotedValue(current, quoted);
      const start = i;
      i = readDoubleQuoted(text, i + 1, verbatim ? discardPart : (part) => (current += part));
      if (verbatim) current += text.slice(start, i);
      inWord = true;
    } else if (c === '\\') {
      if (!inWord) quoted = true;
      current += verbatim ? text.slice(i, i + 2) : text.slice(i + 1, i + 2);
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

/** The verbatim branch copies the quoted part as typed, so the reader's unquoted parts are not needed. */
const discardPart = (): void => undefined;

/**
 * A double quote right after `name=` (or a matcher's `!=`, `=~`, `!~`) in a word typed bare opens a
 * quoted value. Not in an option word: `--name="a b"` is the option's value, unquoted like a shell.
 */
function opensQuotedValue(wordSoFar: string, wordStartedQuoted: boolean): boolean {
  return !wordStartedQuoted && !DASH_FIRST.test(wordSoFar) && ASSIGNMENT_LAST.test(wordSoFar);
}

const DASH_FIRST = /^[-\u2012-\u2015]/;
const ASSIGNMENT_LAST = /(?:=|[=!]~)$/;

/**
 * A `name=value` word's value whose quotes the tokenizer kept (`"a b"`, see above), read as the
 * tokenizer reads a word: `"a b"` → `a b`, `"say \"hi\""` → `say "hi"`. For commands that want the
 * value itself, such as key=value variables. Anything that does not open with a double quote, or
 * does not read back as exactly one word, is returned as it is.
 */
export function unquotedValue(value: string): string {
  if (!value.startsWith('"')) return value;
  let words: Token[];
  try {
    words = tokenize(value);
  } catch (error) {
    // Only a word quoted whole by the user (`'note="a'`) gets here unbalanced: it is taken literally.
    if (error instanceof UsageError) return value;
    throw error;
  }
  return words.length === 1 ? (words[0] as Token).value : value;
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

/**
 * `—force` / `–force` (a chat client's rewrite of `--force`) → `--force`. Only a dash right before a
 * letter begins an option word: a dash standing alone (`back soon — promise`) is text.
 */
function undashed(word: string): string {
  return LONG_DASH_OPTION.test(word) ? `--${word.slice(1)}` : word;
}

const LONG_DASH_OPTION = /^[\u2012-\u2015][A-Za-z]/;
