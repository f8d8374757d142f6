/**
 * Regular expressions over alert labels (`=~`/`!~` silence matchers, `matchRe` of routes and ticket
 * rules) run in RE2 (re2js), as in Alertmanager: the same syntax (`(?i)`, `[[:alpha:]]`), the same
 * whole-value match, and time linear in the label's length. JavaScript's backtracking engine would let
 * one `silence alertname=~"(.*.*)*!"` hold the process for minutes on every alert that arrives.
 */
import { RE2JS } from 're2js';

/** Linear in the label, but also in the program: a huge repetition would make every match slow. */
const MAX_PROGRAM_SIZE = 400;
const MAX_CACHED = 1_000;

export interface LabelRegex {
  /** True when the whole value matches (Alertmanager anchors as `^(?:re)$`). */
  matches(value: string): boolean;
}

export type CompiledLabelRegex = { readonly ok: true; readonly regex: LabelRegex } | { readonly ok: false; readonly reason: string };

const cache = new Map<string, CompiledLabelRegex>();

export function compileLabelRegex(source: string): CompiledLabelRegex {
  const known = cache.get(source);
  if (known !== undefined) return known;
  let compiled: CompiledLabelRegex;
  try {
    const regex = RE2JS.compile(source);
    compiled =
      regex.programSize() > MAX_PROGRAM_SIZE
        ? { ok: false, reason: `\`${source}\` is too complex a regular expression (use fewer or smaller repetitions)` }
        : { ok: true, regex };
  } catch (error: unknown) {
    const detail = error instanceof Error ? error.message.replace(/^error parsing regexp: /, '') : 'invalid';
    compiled = { ok: false, reason: `\`${source}\` is not a valid regular expression (${detail})` };
  }
  if (cache.size >= MAX_CACHED) cache.clear();
  cache.set(source, compiled);
  return compiled;
}

/** For sources the config check has already accepted. */
export function labelRegex(source: string): LabelRegex {
  const compiled = compileLabelRegex(source);
  if (!compiled.ok) throw new Error(compiled.reason);
  return compiled.regex;
}
