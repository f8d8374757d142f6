/**
 * Turns the words after a command name into typed, validated values, driven by the command's args
 * schema. yargs-parser does the flag grammar; we tokenize first (see tokenize.ts) so that quotes are
 * honoured and nothing is expanded, and we reject every flag the schema does not declare.
 */
import parser from 'yargs-parser';
import { UsageError } from '../errors.js';
import type { AnyArgValues, ArgSpec, PairsArg } from './schema.js';
import { didYouMean } from './suggest.js';
import type { Token } from './tokenize.js';
import { flagArgs, globalFlagsFor, positionals, usageLine, type UsageSubject } from './usage.js';
import { parseDuration } from './duration.js';

export interface ParsedArgs {
  readonly values: AnyArgValues;
  readonly dryRun: boolean;
  readonly queue: boolean;
}

/** Longest value we accept for a string argument unless the schema says otherwise. */
const DEFAULT_MAX_LENGTH = 256;
const DEFAULT_KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;
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

/** What the flag grammar yields: raw flag values (strings, `true`, or arrays when repeated) and positional words. */
interface SplitArgs {
  readonly flags: Readonly<Record<string, unknown>>;
  readonly words: readonly string[];
}

/** Per-schema facts the grammar needs, computed once per command rather than per call. */
interface Grammar {
  readonly flags: readonly [string, ArgSpec][];
  readonly globals: readonly string[];
  readonly stringFlags: ReadonlySet<string>;
  readonly booleanFlags: ReadonlySet<string>;
  readonly shorts: ReadonlyMap<string, string>;
  readonly aliases: Readonly<Record<string, string[]>>;
  readonly pairs: readonly [string, PairsArg] | undefined;
  readonly positionals: readonly [string, ArgSpec & { positional: number }][];
  readonly entries: readonly [string, ArgSpec][];
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
    grammar = {
      flags,
      globals,
      stringFlags: new Set(flags.filter(([, s]) => s.type !== 'boolean').map(([n]) => n)),
      booleanFlags: new Set([...flags.filter(([, s]) => s.type === 'boolean').map(([n]) => n), ...globals]),
      shorts,
      aliases,
      pairs: Object.entries(subject.args).find((e): e is [string, PairsArg] => e[1].type === 'pairs'),
      positionals: positionals(subject.args),
      entries: Object.entries(subject.args),
      // One closure per command, not one per dispatch.
      fail: (sentence: string): never => {
        throw new UsageError(sentence, { hint: `Usage: ${usageLine(subject)}` });
      },
    };
    grammars.set(subject, grammar);
  }
  return grammar;
}

/** A word that is data even if it starts with a dash: quoted, or a negative number. */
function isData(token: Token): boolean {
  return (token.quoted && token.value.startsWith('-')) || NEGATIVE_NUMBER.test(token.value);
}

/**
 * The plain grammar almost every chat command uses — positionals, `--name value`, `--name=value`,
 * `-s value`, boolean `--flag` — read straight from the schema. Anything else (an unknown or repeated
 * flag, `--`, `--flag=value` on a boolean, grouped short flags, a flag without its value) returns null
 * and goes to yargs-parser, which reads the full grammar and words the errors. A property test keeps
 * the two in agreement.
 */
function splitPlain(grammar: Grammar, tokens: readonly Token[]): SplitArgs | null {
  const flags: Record<string, unknown> = {};
  const words: string[] = [];
  for (let i = 0; i < tokens.length; i += 1) {
    const token = tokens[i] as Token;
    const text = token.value;
    if (!text.startsWith('-') || isData(token)) {
      words.push(text);
      continue;
    }
    let name: string;
    let inline: string | null = null;
    if (text.startsWith('--')) {
      const eq = text.indexOf('=');
      name = eq < 0 ? text.slice(2) : text.slice(2, eq);
      if (eq >= 0) inline = text.slice(eq + 1);
    } else {
      const long = text.length === 2 ? grammar.shorts.get(text.slice(1)) : undefined;
      if (long === undefined) return null;
      name = long;
    }
    if (name === '' || Object.hasOwn(flags, name)) return null;
    if (grammar.booleanFlags.has(name)) {
      if (inline !== null) return null;
      flags[name] = true;
    } else if (grammar.stringFlags.has(name)) {
      if (inline === null) {
        const next = tokens[i + 1];
        if (next === undefined || (next.value.startsWith('-') && !isData(next))) return null;
        inline = next.value;
        i += 1;
      }
      flags[name] = inline;
    } else return null;
  }
  return { flags, words };
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
    if (word.startsWith('-') && !NEGATIVE_NUMBER.test(word) && word !== '--') {
      const name = word.replace(/^-+/, '').split('=')[0] ?? '';
      fail(`Unknown option \`${word.split('=')[0] ?? word}\`.${didYouMean(name, known)}`);
    }
  }
  const flags: Record<string, unknown> = {};
  for (const name of [...grammar.stringFlags, ...grammar.booleanFlags]) {
    if (parsed[name] !== undefined) flags[name] = restore(parsed[name]);
  }
  return { flags, words: words.filter((w) => w !== '--').map((w) => restore(w) as string) };
}

export interface ParseOptions {
  /** Tests only: force the yargs-parser path, to check the plain fast path agrees with it. */
  readonly grammar?: 'auto' | 'yargs';
}

export function parseArgs(subject: UsageSubject, tokens: readonly Token[], options?: ParseOptions): ParsedArgs {
  const grammar = grammarOf(subject);
  const fail = grammar.fail;
  for (const token of tokens) {
    if (CONTROL_CHARS.test(token.value)) fail('Arguments may not contain control characters such as line breaks.');
  }

  const split = (options?.grammar === 'yargs' ? null : splitPlain(grammar, tokens)) ?? splitWithYargs(grammar, tokens, fail);
  const positionalWords = split.words;

  const values: Record<string, AnyArgValues[string]> = {};

  // Flags.
  for (const [name, spec] of grammar.flags) {
    const raw: unknown = split.flags[name];
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
      pairs[key] = word.slice(eq + 1);
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
  for (const [name, spec] of grammar.entries) {
    if (values[name] !== undefined) continue;
    if ('default' in spec && spec.default !== undefined) values[name] = spec.default;
    else if ('required' in spec && spec.required === true) {
      const shown = 'positional' in spec && spec.positional !== undefined ? `<${('placeholder' in spec && spec.placeholder) || name}>` : `--${name}`;
      fail(`Missing ${shown}: ${spec.description.replace(/\.$/, '').toLowerCase()}.`);
    }
  }

  return { values, dryRun: split.flags['dry-run'] === true, queue: split.flags.queue === true };
}

function convert(name: string, spec: ArgSpec, text: string, fail: (sentence: string) => never): AnyArgValues[string] {
  // A secret is never echoed, not even a wrong one: the message goes to chat and to the `rejected` audit.
  const secret = 'secret' in spec && spec.secret === true;
  const shown = secret ? `The value given for \`${name}\`` : `\`${text}\``;
  switch (spec.type) {
    case 'string': {
      if (text.length > (spec.maxLength ?? DEFAULT_MAX_LENGTH)) fail(`\`${name}\` is too long (at most ${spec.maxLength ?? DEFAULT_MAX_LENGTH} characters).`);
      if (spec.enum !== undefined && !spec.enum.includes(text)) {
        fail(`${shown} is not a valid ${name}: use one of ${spec.enum.join(', ')}.${secret ? '' : didYouMean(text, spec.enum)}`);
      }
      if (spec.pattern !== undefined && !spec.pattern.test(text)) {
        fail(`${shown} is not a valid ${name}${spec.patternHint === undefined ? '' : ` (${spec.patternHint})`}.`);
      }
      return text;
    }
    case 'integer': {
      if (!/^-?\d{1,15}$/.test(text)) fail(`\`${name}\` must be a whole number${secret ? '' : `, not \`${text}\``}.`);
      const n = Number(text);
      if (spec.min !== undefined && n < spec.min) fail(`\`${name}\` must be at least ${spec.min}.`);
      if (spec.max !== undefined && n > spec.max) fail(`\`${name}\` must be at most ${spec.max}.`);
      return n;
    }
    case 'duration': {
      const ms = parseDuration(text.trim().toLowerCase());
      if (ms === null) fail(`${shown} is not a duration: use e.g. 90s, 5m, 2h or 1d.`);
      if (spec.min !== undefined && (ms) < spec.min) fail(`\`${name}\` is too short.`);
      if (spec.max !== undefined && (ms) > spec.max) fail(`\`${name}\` is too long.`);
      return ms;
    }
    case 'boolean':
    case 'pairs':
      return fail(`\`${name}\` cannot be given a value here.`);
  }
}

