import { describe, expect, it } from 'vitest';
import { tokenize, unquotedValue } from '../../src/core/args/tokenize.js';
import { UsageError } from '../../src/core/errors.js';
import { readShared } from '../support/shared.js';

interface YargsVectors { vectors: { input: string; expected: string[] }[] }
interface ShellQuoteVectors { vectors: { input: string; expected?: unknown[]; expected_error?: boolean; note?: string }[] }

/** Quotes balanced the way a POSIX shell reads them (outside single quotes, backslash escapes). */
function balanced(input: string): boolean {
  let quote: string | null = null;
  for (let i = 0; i < input.length; i += 1) {
    const c = input[i];
    if (quote === "'") {
      if (c === "'") quote = null;
    } else if (c === '\\') i += 1;
    else if (quote === '"') {
      if (c === '"') quote = null;
    } else if (c === "'" || c === '"') quote = c;
  }
  return quote === null;
}

const words = (input: string): string[] => tokenize(input).map((t) => t.value);

/** yargs keeps the quotes in its tokens (it strips them later); we strip them while tokenizing. */
function unquote(token: string): string {
  return token.replace(/^(--?[^=\s]+=)?(['"])(.*)\2$/s, (_m, flag: string | undefined, _q: string, body: string) => `${flag ?? ''}${body}`);
}

describe('tokenize', () => {
  const yargs = readShared<YargsVectors>('fixtures', 'arg-tokenizing', 'yargs-parser_tokenizeArgString_vectors.json');
  it.each(yargs.vectors.map((v) => [v.input, v.expected] as const))('splits %j like yargs-parser (quotes honoured)', (input, expected) => {
    expect(words(input)).toEqual(expected.map(unquote));
  });

  // shell-quote vectors whose input has no expansion or operators: the literal-splitting subset.
  const shellQuote = readShared<ShellQuoteVectors>('fixtures', 'arg-tokenizing', 'shell-quote_parse_vectors.json');
  const literal = shellQuote.vectors.filter(
    (v) => v.expected !== undefined && v.expected.every((e) => typeof e === 'string') && !/[$#|&;<>()`*]/.test(v.input) && !/\\$/.test(v.input) && balanced(v.input),
  );
  // shell-quote is lenient with an unterminated quote (it drops it or keeps the text); a chat command
  // with an unterminated quote is ambiguous, so we refuse it instead.
  const unbalanced = shellQuote.vectors.filter((v) => v.expected !== undefined && !/[$#|&;<>()`*]/.test(v.input) && !balanced(v.input));
  it.each(unbalanced.map((v) => [v.input] as const))('refuses the unterminated quote in %j', (input) => {
    expect(() => tokenize(input)).toThrow(UsageError);
  });
  it('covers a meaningful part of the shell-quote vectors', () => {
    expect(literal.length).toBeGreaterThanOrEqual(10);
  });
  it.each(literal.map((v) => [v.input, v.expected as string[]] as const))('splits %j like a POSIX shell', (input, expected) => {
    expect(words(input)).toEqual(expected);
  });

  it('never expands anything', () => {
    expect(words('run $(id) `id` ${HOME} $HOME ~ *.yml a;b a|b a&&b')).toEqual(['run', '$(id)', '`id`', '${HOME}', '$HOME', '~', '*.yml', 'a;b', 'a|b', 'a&&b']);
  });

  it('reads a long dash typed by chat clients as --', () => {
    expect(words('deploy store-pl blue \u2014dry-run \u2013version 1.2')).toEqual(['deploy', 'store-pl', 'blue', '--dry-run', '--version', '1.2']);
  });

  it('reads a long dash as -- only where it begins an option word: alone or inside a word it is text', () => {
    expect(words('lock dashes 10\u201312 window \u2013 back soon \u2014 promise')).toEqual(['lock', 'dashes', '10\u201312', 'window', '\u2013', 'back', 'soon', '\u2014', 'promise']);
    expect(words('lock web2 deploy \u2014 back at 5')).toEqual(['lock', 'web2', 'deploy', '\u2014', 'back', 'at', '5']);
    expect(words('a \u2014\u2014 \u20131 \u2014force')).toEqual(['a', '\u2014\u2014', '\u20131', '--force']);
  });

  it('keeps a double-quoted name=value value with its quotes, as typed, and groups its spaces', () => {
    expect(words('silence alertname="High CPU" 1h')).toEqual(['silence', 'alertname="High CPU"', '1h']);
    expect(words('silence alertname="High CPU",instance=~"web \\"1\\"" 1h')).toEqual(['silence', 'alertname="High CPU",instance=~"web \\"1\\""', '1h']);
    expect(words('a!="x y" b!~"x y" {alertname="Disk full"} k=""')).toEqual(['a!="x y"', 'b!~"x y"', '{alertname="Disk full"}', 'k=""']);
    expect(words('note=\u201ca b\u201d')).toEqual(['note="a b"']);
    expect(tokenize('k="a b"')).toEqual([{ value: 'k="a b"', quoted: false, clean: false }]);
  });

  it('unquotes like a shell a word that starts with a quote, an option\'s --name="value", and other quotes inside a word', () => {
    expect(words(`'alertname="High CPU"' "k=a b" --reason="a b" \u2014reason="a b" a"b c"d k='a b'`)).toEqual(['alertname="High CPU"', 'k=a b', '--reason=a b', '--reason=a b', 'ab cd', 'k=a b']);
  });

  it('reads a kept value back as the tokenizer reads a word', () => {
    expect(unquotedValue('"a b"')).toBe('a b');
    expect(unquotedValue('"say \\"hi\\" \\\\ \\n"')).toBe('say "hi" \\ \\n');
    expect(unquotedValue('""')).toBe('');
    expect(unquotedValue('"a"b\'c d\'')).toBe('abc d');
    // Not a kept value: taken as it is.
    expect(unquotedValue('plain')).toBe('plain');
    expect(unquotedValue('"a')).toBe('"a');
    expect(unquotedValue('"a" b')).toBe('"a" b');
  });

  it('keeps a quoted long dash as text', () => {
    expect(tokenize('"\u2014x"')).toEqual([{ value: '\u2014x', quoted: true, clean: false }]);
  });

  it('straightens curly quotes', () => {
    expect(words('lock store-pl \u201crelease freeze\u201d \u2018a b\u2019')).toEqual(['lock', 'store-pl', 'release freeze', 'a b']);
  });

  it('marks quoted and escaped words so they are never taken for flags', () => {
    expect(tokenize('a "-e" \\-x -y')).toEqual([
      { value: 'a', quoted: false, clean: false },
      { value: '-e', quoted: true, clean: false },
      { value: '-x', quoted: true, clean: false },
      { value: '-y', quoted: false, clean: false },
    ]);
  });

  it('vouches only for printable ASCII words, so the parser checks everything else for control characters', () => {
    expect(tokenize('deploy store-pl --version 1.2')).toEqual(['deploy', 'store-pl', '--version', '1.2'].map((value) => ({ value, quoted: false, clean: true })));
    // A tab separates words like a space; the words themselves are still plain.
    expect(tokenize('a\tb').map((t) => t.clean)).toEqual([true, true]);
    // A control character, a quote or a non-ASCII letter anywhere takes the checked paths.
    expect(tokenize('a \u0007b').map((t) => t.clean)).toEqual([false, false]);
    expect(tokenize('a "b\nc"')).toEqual([
      { value: 'a', quoted: false, clean: false },
      { value: 'b\nc', quoted: true, clean: false },
    ]);
    expect(tokenize('caf\u00e9 x').map((t) => t.clean)).toEqual([false, false]);
  });

  it('rejects unterminated quotes with a usage error', () => {
    expect(() => tokenize('lock "store')).toThrow(UsageError);
    expect(() => tokenize("lock 'store")).toThrow(/Unterminated single quote/);
  });
});

describe('tokenize fast paths', () => {
  it('split any text without quotes, backslashes or dashes exactly as white space splits it', () => {
    // A fixed-seed generator: printable ASCII, spaces, tabs, line breaks and a few non-ASCII letters and spaces.
    let seed = 42;
    const next = (n: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    const alphabet = [...'abcXYZ019=:/.,@#$%&*()[]{}<>|;!?+_~^`', ' ', ' ', '\t', '\n', '\r', 'é', 'ł', '\u2003', '\u3000', '\u00a0'];
    for (let run = 0; run < 2_000; run += 1) {
      const text = Array.from({ length: next(40) }, () => alphabet[next(alphabet.length)] ?? '').join('');
      const expected = text.replace(/\u00a0/g, ' ').split(/\s+/).filter((w) => w !== '');
      expect(tokenize(text).map((t) => t.value), JSON.stringify(text)).toEqual(expected);
      expect(tokenize(text).every((t) => !t.quoted)).toBe(true);
    }
  });
});
