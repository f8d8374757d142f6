/**
 * Label matchers for silences, parsed strictly into data: `name=value`, `name!=value`,
 * `name=~regex`, `name!~regex`, separated by commas, optionally wrapped in `{ }` as Alertmanager
 * writes them. Values with spaces or commas are double-quoted (`alertname="High CPU"`, with `\"` and
 * `\\` escapes).
 * Nothing typed here is ever passed on as text: Alertmanager gets the parsed fields as JSON.
 */
import { UsageError } from '../errors.js';
import { compileLabelRegex, type LabelRegex } from './label-regex.js';
import type { Labels } from './model.js';

export interface Matcher {
  readonly name: string;
  readonly value: string;
  readonly isRegex: boolean;
  /** False for `!=` and `!~`. */
  readonly isEqual: boolean;
}

export const MAX_MATCHERS = 20;
export const MAX_MATCHER_VALUE = 256;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;
const OPERATORS = ['=~', '!~', '!=', '='] as const;

function fail(reason: string): never {
  throw new UsageError(`Bad matchers: ${reason}.`, { hint: 'Write them like alertname=HighCPU,instance=~"web-.*" (operators = != =~ !~).' });
}

function matcherRegex(value: string): LabelRegex {
  const compiled = compileLabelRegex(value);
  if (!compiled.ok) fail(compiled.reason);
  return compiled.regex;
}

function readQuoted(text: string, start: number): { value: string; end: number } {
  let value = '';
  let i = start + 1;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '"') return { value, end: i + 1 };
    if (c === '\\') {
      const next = text[i + 1];
      if (next === undefined) break;
      value += next === 'n' ? '\n' : next === 't' ? '\t' : next;
      i += 2;
      continue;
    }
    value += c;
    i += 1;
  }
  fail('a quoted value is not closed');
}

export function parseMatchers(input: string): Matcher[] {
  let text = input.trim();
  if (text.startsWith('{')) {
    if (!text.endsWith('}')) fail('`{` is not closed');
    text = text.slice(1, -1).trim();
  }
  if (text === '') fail('no matcher given');
  const matchers: Matcher[] = [];
  let i = 0;
  const skipSpace = (): void => {
    while (i < text.length && /\s/.test(text[i] as string)) i += 1;
  };
  for (;;) {
    skipSpace();
    const name = NAME.exec(text.slice(i))?.[0];
    if (name === undefined) fail(`expected a label name at \`${text.slice(i, i + 20)}\``);
    i += name.length;
    skipSpace();
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (op === undefined) fail(`expected =, !=, =~ or !~ after \`${name}\``);
    i += op.length;
    skipSpace();
    let value: string;
    if (text[i] === '"') {
      const quoted = readQuoted(text, i);
      value = quoted.value;
      i = quoted.end;
    } else {
      const start = i;
      // Bare values end at a comma or a space: a value with spaces must be quoted.
      while (i < text.length && !/[,{}"\s]/.test(text[i] as string)) i += 1;
      value = text.slice(start, i);
      if (value === '') fail(`\`${name}${op}\` has no value (write "" for an empty one)`);
    }
    if (value.length > MAX_MATCHER_VALUE) fail(`the value of \`${name}\` is longer than ${MAX_MATCHER_VALUE} characters`);
    const isRegex = op === '=~' || op === '!~';
    if (isRegex) matcherRegex(value);
    matchers.push({ name, value, isRegex, isEqual: op === '=' || op === '=~' });
    if (matchers.length > MAX_MATCHERS) fail(`more than ${MAX_MATCHERS} matchers`);
    skipSpace();
    if (i >= text.length) break;
    if (text[i] !== ',') fail(`expected a comma before \`${text.slice(i, i + 20)}\``);
    i += 1;
    skipSpace();
    if (i >= text.length) break; // a trailing comma is harmless
  }
  // Alertmanager refuses silences that would match every alert; say so here, with our words.
  if (matchers.every((m) => matchMatcher(m, ''))) fail('at least one matcher must not match an empty label (this would silence everything)');
  return matchers;
}

function matchMatcher(m: Matcher, actual: string): boolean {
  const hit = m.isRegex ? matcherRegex(m.value).matches(actual) : actual === m.value;
  return m.isEqual ? hit : !hit;
}

/** Alertmanager semantics: a missing label matches as the empty string. */
export function matchesAll(matchers: readonly Matcher[], labels: Labels): boolean {
  return matchers.every((m) => matchMatcher(m, labels[m.name] ?? ''));
}

/** Canonical text, quoted as Alertmanager prints it: `{alertname="X", instance=~"web-.*"}`. */
export function formatMatchers(matchers: readonly Matcher[]): string {
  const op = (m: Matcher): string => (m.isRegex ? (m.isEqual ? '=~' : '!~') : m.isEqual ? '=' : '!=');
  return `{${matchers.map((m) => `${m.name}${op(m)}${JSON.stringify(m.value)}`).join(', ')}}`;
}
