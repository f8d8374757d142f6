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

export function parseArgs(subject: UsageSubject, tokens: readonly Token[]): ParsedArgs {
  // Built only when needed: the usage line is for error hints, and every dispatch comes through here.
  const fail = (sentence: string): never => {
    throw new UsageError(sentence, { hint: `Usage: ${usageLine(subject)}` });
  };

  for (const token of tokens) {
    if (CONTROL_CHARS.test(token.value)) fail('Arguments may not contain control characters such as line breaks.');
  }

  const globals = globalFlagsFor(subject);
  const flags = flagArgs(subject.args);
  const stringFlags = flags.filter(([, s]) => s.type !== 'boolean').map(([n]) => n);
  const booleanFlags = [...flags.filter(([, s]) => s.type === 'boolean').map(([n]) => n), ...globals];
  const aliases: Record<string, string[]> = {};
  for (const [name, spec] of flags) if ('short' in spec && spec.short !== undefined) aliases[name] = [spec.short];

  // A quoted word is data even if it starts with a dash, and so is a negative number: hide both from
  // the flag grammar (yargs-parser would read `-1` as a flag named 1).
  const argv = tokens.map((t, i) => ((t.quoted && t.value.startsWith('-')) || NEGATIVE_NUMBER.test(t.value) ? `${QUOTED_MARK}${i}` : t.value));
  const detailed = parser.detailed(argv, {
    string: stringFlags,
    boolean: booleanFlags,
    alias: aliases,
    configuration: YARGS_CONFIGURATION,
  });
  if (detailed.error) fail(detailed.error.message);
  const parsed = detailed.argv;

  const restore = (word: string | number): string => {
    const text = String(word);
    return text.startsWith(QUOTED_MARK) ? (tokens[Number(text.slice(QUOTED_MARK.length))]?.value ?? '') : text;
  };
  const words = parsed._.map((w) => String(w));
  const known = [...flags.map(([n]) => n), ...globals];
  for (const word of words) {
    if (word.startsWith('-') && !NEGATIVE_NUMBER.test(word) && word !== '--') {
      const name = word.replace(/^-+/, '').split('=')[0] ?? '';
      fail(`Unknown option \`${word.split('=')[0] ?? word}\`.${didYouMean(name, known)}`);
    }
  }
  const positionalWords = words.filter((w) => w !== '--').map(restore);

  const values: Record<string, AnyArgValues[string]> = {};

  // Flags.
  for (const [name, spec] of flags) {
    const raw: unknown = parsed[name];
    if (spec.type === 'boolean') {
      if (Array.isArray(raw)) fail(`\`--${name}\` was given more than once.`);
      values[name] = raw === true;
      continue;
    }
    if (raw === undefined) continue;
    if (Array.isArray(raw)) fail(`\`--${name}\` was given more than once.`);
    const text = restore(raw as string);
    if (text === '') fail(`\`--${name}\` needs a value.`);
    values[name] = convert(name, spec, text, fail);
  }

  // key=value pairs, when the schema has them, are taken from the positional words first.
  const pairsEntry = Object.entries(subject.args).find((e): e is [string, PairsArg] => e[1].type === 'pairs');
  let remaining = positionalWords;
  if (pairsEntry !== undefined) {
    const [pairsName, pairsSpec] = pairsEntry;
    const pairs: Record<string, string> = {};
    remaining = [];
    for (const word of positionalWords) {
      const eq = word.indexOf('=');
      if (eq <= 0) {
        remaining.push(word);
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
  for (const [name, spec] of positionals(subject.args)) {
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
  for (const [name, spec] of Object.entries(subject.args)) {
    if (values[name] !== undefined) continue;
    if ('default' in spec && spec.default !== undefined) values[name] = spec.default;
    else if ('required' in spec && spec.required === true) {
      const shown = 'positional' in spec && spec.positional !== undefined ? `<${('placeholder' in spec && spec.placeholder) || name}>` : `--${name}`;
      fail(`Missing ${shown}: ${spec.description.replace(/\.$/, '').toLowerCase()}.`);
    }
  }

  return { values, dryRun: parsed['dry-run'] === true, queue: parsed.queue === true };
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

