/**
 * Turns the words after a command name into typed, validated values, driven by the command's args
 * schema. yargs-parser does the flag grammar; we tokenize first (see tokenize.ts) so that quotes are
 * honoured and nothing is expanded, and we reject every flag the schema does not declare.
 */
import parser from 'yargs-parser';
import { UsageError } from '../errors.js';
import type { AnyArgValues, ArgSpec, PairsArg } from './schema.js';
import { closest, didYouMean } from './suggest.js';
import { unquotedValue, type Token } from './tokenize.js';
import { flagArgs, globalFlagsFor, positionals, usageLine, type UsageSubject } from './usage.js';
import { formatDuration, parseDuration } from './duration.js';

export interface ParsedArgs {
  readonly values: AnyArgValues;
  readonly dryRun: boolean;
  readonly queue: boolean;
}

/** Longest value we accept for a string argument unless the schema says otherwise. */
const DEFAULT_MAX_LENGTH = 256;
const DEFAULT_KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const NEGATIVE_NUMBER = /^-\d+(\.\d+)?$/;
const QUOTED_MARK = '\u0000quoted:';

const YARGS_CONFIGURATION = {
  'camel-case-expansion': false,
  'dot-notation': false,
  'parse-numbers': false,
  'parse-positional-numbers': false,
  'boolean-negation': false,
  'short-option-groups': false,
  'duplicate-arguments-array': true,
  'flatten-duplicate-arrays': true,
  'greedy-arrays': false,
  'unknown-options-as-args': true,
  'halt-at-non-option': false,
  'strip-aliased': true,
  'strip-dashed': false,
  'populate--': false,
  'set-placeholder-key': false,
  'combine-arrays': false,
  'nargs-eats-options': false,
  'sort-commands': false,
} as const;

/**
 * What the flag grammar yields: one slot per flag, in the grammar's order (the schema's flags, then
 * the global ones), holding its raw value (a string, `true`, or an array when repeated), and the
 * positional words. Slots rather than a name-keyed object: read by index, no dictionary per call.
 */
interface SplitArgs {
  readonly slots: readonly unknown[];
  readonly words: readonly string[];
}

/** Per-schema facts the grammar needs, computed once per command rather than per call. */
interface Grammar {
  readonly flags: readonly [string, ArgSpec][];
  readonly globals: readonly string[];
  readonly stringFlags: ReadonlySet<string>;
  readonly booleanFlags: ReadonlySet<string>;
  readonly aliases: Readonly<Record<string, string[]>>;
  readonly pairs: readonly [string, PairsArg] | undefined;
  readonly positionals: readonly [string, ArgSpec & { positional: number }][];
  /** Only the args that are required or have a default: the rest need no look after parsing. */
  readonly fillIns: readonly [string, ArgSpec][];
  /** Every flag's name, by slot: the schema's flags, then the global ones. */
  readonly slotNames: readonly string[];
  /** `--name` and `-s` as typed → slot. */
  readonly slotOf: ReadonlyMap<string, number>;
  readonly booleanSlot: readonly boolean[];
  readonly dryRunSlot: number;
  readonly queueSlot: number;
  /** Throws the UsageError for a sentence, with the usage line as its hint (made when first thrown). */
  readonly fail: (sentence: string) => never;
}

const grammars = new WeakMap<UsageSubject, Grammar>();

function grammarOf(subject: UsageSubject): Grammar {
  let grammar = grammars.get(subject);
  if (grammar === undefined) {
    const flags = flagArgs(subject.args);
    const globals = globalFlagsFor(subject);
    const aliases: Record<string, string[]> = {};
    const shorts = new Map<string, string>();
    for (const [name, spec] of flags) {
      if ('short' in spec && spec.short !== undefined) {
        aliases[name] = [spec.short];
        shorts.set(spec.short, name);
      }
    }
    const slotNames = [...flags.map(([n]) => n), ...globals];
    const slotOf = new Map<string, number>();
    slotNames.forEach((name, slot) => slotOf.set(`--${name}`, slot));
    for (const [short, name] of shorts) slotOf.set(`-${short}`, slotNames.indexOf(name));
    grammar = {
      flags,
      globals,
      slotNames,
      slotOf,
      booleanSlot: slotNames.map((name, slot) => slot >= flags.length || flags[slot]?.[1].type === 'boolean'),
      dryRunSlot: slotNames.indexOf('dry-run'),
      queueSlot: slotNames.indexOf('queue'),
      stringFlags: new Set(flags.filter(([, s]) => s.type !== 'boolean').map(([n]) => n)),
      booleanFlags: new Set([...flags.filter(([, s]) => s.type === 'boolean').map(([n]) => n), ...globals]),
      aliases,
      pairs: Object.entries(subject.args).find((e): e is [string, PairsArg] => e[1].type === 'pairs'),
      positionals: positionals(subject.args),
      fillIns: Object.entries(subject.args).filter(([, spec]) => ('default' in spec && spec.default !== undefined) || ('required' in spec && spec.required === true)),
      // One closure per command, not one per dispatch.
      fail: (sentence: string): never => {
        throw new UsageError(sentence, { hint: `Usage: ${usageLine(subject)}` });
      },
    };
    grammars.set(subject, grammar);
  }
  return grammar;
}

/** A word that is data even if it starts with a dash: quoted, a negative number, or `--` (see endOfOptions). */
function isData(token: Token): boolean {
  if (token.quoted) return token.value.startsWith('-');
  if (token.value === '--') return true;
  // Only `-<digit>…` can be a negative number: spare the regular expression for flags.
  const second = token.value.charCodeAt(1);
  return second >= 0x30 && second <= 0x39 && NEGATIVE_NUMBER.test(token.value);
}

const DASH = 0x2d;

/**
 * Where a POSIX `--` ends the options, or -1. In chat, the end of options is only needed to pass a
 * word that starts with a dash (`lock web -- -x marks the spot`), while a `--` elsewhere is text
 * (`lock web back at 5 -- maybe`) that must not vanish from a reason. So only a bare `--` right
 * before a word that starts with a dash ends the options (and is dropped); any other is a word.
 */
function endOfOptions(tokens: readonly Token[]): number {
  for (let i = 0; i + 1 < tokens.length; i += 1) {
    const token = tokens[i] as Token;
    if (token.value === '--' && !token.quoted && (tokens[i + 1] as Token).value.charCodeAt(0) === DASH) return i;
  }
  return -1;
}

/**
 * The plain grammar almost every chat command uses — positionals, `--name value`, `--name=value`,
 * `-s value`, boolean `--flag` — read straight from the schema. Anything else (an unknown or repeated
 * flag, `--flag=value` on a boolean, grouped short flags, a flag without its value) returns null
 * and goes to yargs-parser, which reads the full grammar and words the errors. A property test keeps
 * the two in agreement.
 */
function splitPlain(grammar: Grammar, tokens: readonly Token[]): SplitArgs | null {
  const slots: unknown[] = new Array<unknown>(grammar.slotNames.length);
  const words: string[] = [];
  for (let i = 0; i < tokens.length; i += 1) {
    const token = tokens[i] as Token;
    const text = token.value;
    if (text.charCodeAt(0) !== DASH || isData(token)) {
      words.push(text);
      continue;
    }
    let slot = grammar.slotOf.get(text);
    let inline: string | null = null;
    if (slot === undefined) {
      // `--name=value`: the only other form the plain grammar reads.
      const eq = text.indexOf('=');
      if (eq < 0 || text.charCodeAt(1) !== DASH) return null;
      slot = grammar.slotOf.get(text.slice(0, eq));
      if (slot === undefined || grammar.booleanSlot[slot] === true) return null;
      inline = text.slice(eq + 1);
    }
    if (slots[slot] !== undefined) return null;
    if (grammar.booleanSlot[slot] === true) {
      slots[slot] = true;
      continue;
    }
    if (inline === null) {
      const next = tokens[i + 1];
      if (next === undefined || (next.value.charCodeAt(0) === DASH && !isData(next))) return null;
      inline = next.value;
      i += 1;
    }
    slots[slot] = inline;
  }
  return { slots, words };
}

/** The full grammar, by yargs-parser. Unknown flags are left among the words and refused later. */
function splitWithYargs(grammar: Grammar, tokens: readonly Token[], fail: (sentence: string) => never): SplitArgs {
  // A quoted word is data even if it starts with a dash, and so is a negative number: hide both from
  // the flag grammar (yargs-parser would read `-1` as a flag named 1).
  const argv = tokens.map((t, i) => (isData(t) ? `${QUOTED_MARK}${i}` : t.value));
  const detailed = parser.detailed(argv, {
    string: [...grammar.stringFlags],
    boolean: [...grammar.booleanFlags],
    alias: grammar.aliases,
    configuration: YARGS_CONFIGURATION,
  });
  if (detailed.error) fail(detailed.error.message);
  const parsed = detailed.argv;
  const restore = (word: unknown): unknown => {
    if (Array.isArray(word)) return word.map(restore);
    if (typeof word !== 'string' && typeof word !== 'number') return word;
    const text = String(word);
    return text.startsWith(QUOTED_MARK) ? (tokens[Number(text.slice(QUOTED_MARK.length))]?.value ?? '') : text;
  };
  const words = parsed._.map((w) => String(w));
  const known = [...grammar.flags.map(([n]) => n), ...grammar.globals];
  for (const word of words) {
    if (word.startsWith('-') && !NEGATIVE_NUMBER.test(word)) {
      const name = word.replace(/^-+/, '').split('=')[0] ?? '';
      // The suggestion is written as it is typed: `--version`, not `version`.
      const near = closest(name, known);
      fail(`Unknown option \`${word.split('=')[0] ?? word}\`.${near === null ? '' : ` Did you mean \`--${near}\`?`}`);
    }
  }
  const slots = grammar.slotNames.map((name) => (parsed[name] === undefined ? undefined : restore(parsed[name])));
  return { slots, words: words.map((w) => restore(w) as string) };
}

export interface ParseOptions {
  /** Tests only: force the yargs-parser path, to check the plain fast path agrees with it. */
  readonly grammar?: 'auto' | 'yargs';
}

export function parseArgs(subject: UsageSubject, tokens: readonly Token[], options?: ParseOptions): ParsedArgs {
  const grammar = grammarOf(subject);
  const fail = grammar.fail;
  for (const token of tokens) {
    if (token.clean !== true && hasControlChar(token.value)) fail('Arguments may not contain control characters such as line breaks.');
  }

  const end = endOfOptions(tokens);
  const optionTokens = end < 0 ? tokens : tokens.slice(0, end);
  const split = (options?.grammar === 'yargs' ? null : splitPlain(grammar, optionTokens)) ?? splitWithYargs(grammar, optionTokens, fail);
  const positionalWords = end < 0 ? split.words : [...split.words, ...tokens.slice(end + 1).map((t) => t.value)];

  const values: Record<string, AnyArgValues[string]> = {};

  // Flags.
  const flags = grammar.flags;
  const slots = split.slots;
  for (let slot = 0; slot < flags.length; slot += 1) {
    const [name, spec] = flags[slot] as [string, ArgSpec];
    const raw: unknown = slots[slot];
    if (spec.type === 'boolean') {
      if (Array.isArray(raw)) fail(`\`--${name}\` was given more than once.`);
      values[name] = raw === true;
      continue;
    }
    if (raw === undefined) continue;
    if (Array.isArray(raw)) fail(`\`--${name}\` was given more than once.`);
    const text = typeof raw === 'string' ? raw : '';
    if (text === '') fail(`\`--${name}\` needs a value.`);
    values[name] = convert(name, spec, text, fail);
  }

  // key=value pairs, when the schema has them, are taken from the positional words first.
  const pairsEntry = grammar.pairs;
  let remaining: readonly string[] = positionalWords;
  if (pairsEntry !== undefined) {
    const [pairsName, pairsSpec] = pairsEntry;
    const pairs: Record<string, string> = {};
    const rest: string[] = [];
    remaining = rest;
    for (const word of positionalWords) {
      const eq = word.indexOf('=');
      if (eq <= 0) {
        rest.push(word);
        continue;
      }
      const key = word.slice(0, eq);
      if (!(pairsSpec.keyPattern ?? DEFAULT_KEY_PATTERN).test(key)) fail(`\`${key}\` is not a valid variable name.`);
      if (Object.hasOwn(pairs, key)) fail(`\`${key}\` was given more than once.`);
      // `note="a b"` keeps its quotes through the tokenizer (see tokenize.ts); the variable is `a b`.
      pairs[key] = unquotedValue(word.slice(eq + 1));
    }
    values[pairsName] = pairs;
  }

  // Positionals, in schema order.
  let index = 0;
  for (const [name, spec] of grammar.positionals) {
    if (index >= remaining.length) break;
    if (spec.type === 'string' && spec.rest === true) {
      values[name] = convert(name, spec, remaining.slice(index).join(' '), fail);
      index = remaining.length;
    } else {
      values[name] = convert(name, spec, remaining[index] as string, fail);
      index += 1;
    }
  }
  if (index < remaining.length) fail(`Unexpected argument \`${remaining[index]}\`.`);

  // Required args and defaults.
  for (const [name, spec] of grammar.fillIns) {
    if (values[name] !== undefined) continue;
    if ('default' in spec && spec.default !== undefined) values[name] = spec.default;
    else if ('required' in spec && spec.required === true) {
      const shown = 'positional' in spec && spec.positional !== undefined ? `<${('placeholder' in spec && spec.placeholder) || name}>` : `--${name}`;
      fail(`Missing ${shown}: ${spec.description.replace(/\.$/, '').toLowerCase()}.`);
    }
  }

  return { values, dryRun: grammar.dryRunSlot >= 0 && slots[grammar.dryRunSlot] === true, queue: grammar.queueSlot >= 0 && slots[grammar.queueSlot] === true };
}

/** U+0000–U+001F or U+007F; a loop over char codes, which for words this short beats a regular expression. */
function hasControlChar(text: string): boolean {
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

/** How a refused value is named in the error. */
function shown(name: string, text: string, secret: boolean): string {
  return secret ? `The value given for \`${name}\`` : `\`${text}\``;
}

function convert(name: string, spec: ArgSpec, text: string, fail: (sentence: string) => never): AnyArgValues[string] {
  // A secret is never echoed, not even a wrong one: the message goes to chat and to the `rejected` audit.
  // Worded only when refused: a template per argument was a measurable share of a dispatch.
  const secret = 'secret' in spec && spec.secret === true;
  switch (spec.type) {
    case 'string': {
      if (text.length > (spec.maxLength ?? DEFAULT_MAX_LENGTH)) fail(`\`${name}\` is too long (at most ${spec.maxLength ?? DEFAULT_MAX_LENGTH} characters).`);
      if (spec.enum !== undefined && !spec.enum.includes(text)) {
        fail(`${shown(name, text, secret)} is not a valid ${name}: use one of ${spec.enum.join(', ')}.${secret ? '' : didYouMean(text, spec.enum)}`);
      }
      if (spec.pattern !== undefined && !spec.pattern.test(text)) {
        fail(`${shown(name, text, secret)} is not a valid ${name}${spec.patternHint === undefined ? '' : ` (${spec.patternHint})`}.`);
      }
      return text;
    }
    case 'integer': {
      if (/^-?\d{16,}$/.test(text)) fail(`\`${name}\` is too large a number.`);
      if (!/^-?\d{1,15}$/.test(text)) fail(`\`${name}\` must be a whole number${secret ? '' : `, not \`${text}\``}.`);
      const n = Number(text);
      if (spec.min !== undefined && n < spec.min) fail(`\`${name}\` must be at least ${spec.min}.`);
      if (spec.max !== undefined && n > spec.max) fail(`\`${name}\` must be at most ${spec.max}.`);
      return n;
    }
    case 'duration': {
      const ms = parseDuration(text.trim().toLowerCase());
      if (ms === null) fail(`${shown(name, text, secret)} is not a duration: use e.g. 90s, 5m, 2h or 1d.`);
      if (spec.min !== undefined && ms < spec.min) fail(`\`${name}\` is too short (at least ${formatDuration(spec.min)}).`);
      if (spec.max !== undefined && ms > spec.max) fail(`\`${name}\` is too long (at most ${formatDuration(spec.max)}).`);
      return ms;
    }
    case 'boolean':
    case 'pairs':
      return fail(`\`${name}\` cannot be given a value here.`);
  }
}

