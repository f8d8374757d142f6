/**
 * Interactive dialogs generated from a command's args schema. A command typed without its required
 * arguments opens a form with one field per argument (what was typed is filled in); the submission is
 * turned back into command text, every value quoted so the tokenizer reads it as one word and never
 * as a flag, and dispatched like anything typed.
 */
import type { AnyArgValues, ArgSpec } from '../../core/args/schema.js';
import { parseArgs } from '../../core/args/parse.js';
import type { Token } from '../../core/args/tokenize.js';
import { positionals, usageLine, type UsageSubject } from '../../core/args/usage.js';
import type { Command } from '../../core/command.js';
import { UsageError } from '../../core/errors.js';
import type { Dialog, DialogElement } from './wire.js';

/** Older Mattermost servers show at most 5 elements; newer ones more. Required ones come first. */
const MAX_ELEMENTS = 10;
const DRY_RUN = 'dry-run';

function isRequired(spec: ArgSpec): boolean {
  return 'required' in spec && spec.required === true && !('default' in spec && spec.default !== undefined);
}

/**
 * The command with "required" lifted from its args, or null if it has no required argument. Made once
 * per command: the parser keeps its grammar per subject, so a fresh subject per call rebuilt it.
 */
const relaxedSubjects = new WeakMap<Command, UsageSubject | null>();

function relaxedSubject(command: Command): UsageSubject | null {
  let subject = relaxedSubjects.get(command);
  if (subject === undefined) {
    subject = null;
    if (Object.values(command.args).some(isRequired)) {
      const relaxed = Object.fromEntries(Object.entries(command.args).map(([name, spec]) => [name, 'required' in spec ? { ...spec, required: false } : spec]));
      subject = { name: command.name, args: relaxed, mayMutate: command.mayMutate, locks: command.locks };
    }
    relaxedSubjects.set(command, subject);
  }
  return subject;
}

/**
 * The required arguments the typed words leave out, or null when the words are wrong in another way
 * (or complete): the words are parsed against the schema with "required" lifted, so every other
 * mistake still fails and is reported by the normal dispatch.
 */
export function missingRequired(command: Command, argTokens: readonly Token[]): { given: AnyArgValues; missing: string[] } | null {
  // Most commands have no required argument: no second parse on their (hot) path.
  const subject = relaxedSubject(command);
  if (subject === null) return null;
  let given: AnyArgValues;
  try {
    given = parseArgs(subject, argTokens).values;
  } catch {
    return null;
  }
  const missing = Object.entries(command.args)
    .filter(([name, spec]) => isRequired(spec) && given[name] === undefined)
    .map(([name]) => name);
  return missing.length === 0 ? null : { given, missing };
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function label(name: string): string {
  return cut(name.charAt(0).toUpperCase() + name.slice(1).replace(/[-_]/g, ' '), 24);
}

function shown(value: AnyArgValues[string]): string | undefined {
  if (value === undefined || typeof value === 'object') return undefined;
  return String(value);
}

function element(name: string, spec: ArgSpec, given: AnyArgValues[string]): DialogElement {
  const base = { display_name: label(name), name, help_text: cut(spec.description, 150) };
  switch (spec.type) {
    case 'boolean':
      return { ...base, type: 'bool', optional: true, ...(given === true ? { default: 'true' } : {}) };
    case 'pairs':
      return { ...base, type: 'textarea', optional: true, placeholder: 'key=value, one per line', max_length: 4000 };
    case 'string': {
      const value = spec.secret === true ? undefined : (shown(given) ?? spec.default);
      const common = { ...base, optional: !isRequired(spec), ...(value === undefined ? {} : { default: value }) };
      if (spec.enum !== undefined) return { ...common, type: 'select', options: spec.enum.map((v) => ({ text: v, value: v })) };
      const placeholder = spec.placeholder ?? spec.patternHint;
      return {
        ...common,
        type: 'text',
        subtype: spec.secret === true ? 'password' : 'text',
        max_length: spec.maxLength ?? 256,
        ...(placeholder === undefined ? {} : { placeholder: cut(placeholder, 150) }),
      };
    }
    case 'integer': {
      const value = shown(given) ?? (spec.default === undefined ? undefined : String(spec.default));
      return { ...base, type: 'text', subtype: 'number', optional: !isRequired(spec), ...(value === undefined ? {} : { default: value }) };
    }
    case 'duration':
      return { ...base, type: 'text', subtype: 'text', optional: !isRequired(spec), placeholder: 'e.g. 90s, 5m, 2h' };
  }
}

export function buildDialog(command: Command, given: AnyArgValues, state: string): Dialog {
  const entries = Object.entries(command.args);
  const ordered = [...entries.filter(([, s]) => isRequired(s)), ...entries.filter(([, s]) => !isRequired(s))];
  const elements = ordered.map(([name, spec]) => element(name, spec, given[name]));
  if (command.mayMutate) elements.push({ display_name: 'Dry run', name: DRY_RUN, type: 'bool', optional: true, help_text: 'Show what would happen; change nothing.' });
  return {
    callback_id: command.name,
    title: cut(`Run ${command.name}`, 24),
    introduction_text: `${command.summary}\n\n\`${usageLine(command)}\``,
    elements: elements.slice(0, MAX_ELEMENTS),
    submit_label: 'Run',
    notify_on_cancel: false,
    state,
  };
}

/** A word the tokenizer reads back exactly: bare when harmless, else double-quoted with \ and " escaped. */
export function quote(value: string): string {
  if (/^[A-Za-z0-9_.,:@/+=%^~][A-Za-z0-9_.,:@/+=%^~-]*$/.test(value)) return value;
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

function valueText(name: string, value: unknown): string | null {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return value ? 'true' : null;
  throw new UsageError(`\`${name}\` has a value opsbot cannot use.`);
}

/** The command text a dialog submission stands for. */
export function submissionText(command: Command, submission: Readonly<Record<string, unknown>>): string {
  for (const key of Object.keys(submission)) {
    if (!Object.hasOwn(command.args, key) && key !== DRY_RUN) throw new UsageError(`The form sent a field \`${key}\` that \`${command.name}\` does not have.`);
  }
  const words = [command.name];
  let gap: string | null = null;
  for (const [name] of positionals(command.args)) {
    const value = valueText(name, submission[name]);
    if (value === null) {
      gap ??= name;
      continue;
    }
    if (gap !== null) throw new UsageError(`Fill in ${label(gap)} too: it comes before ${label(name)}.`);
    words.push(quote(value));
  }
  for (const [name, spec] of Object.entries(command.args)) {
    if ('positional' in spec && spec.positional !== undefined) continue;
    const raw = submission[name];
    if (spec.type === 'boolean') {
      if (raw === true || raw === 'true') words.push(`--${name}`);
      continue;
    }
    if (spec.type === 'pairs') {
      const text = valueText(name, raw);
      if (text === null) continue;
      for (const line of text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '')) {
        if (!line.includes('=')) throw new UsageError(`\`${line}\` is not key=value.`);
        words.push(quote(line));
      }
      continue;
    }
    const value = valueText(name, raw);
    if (value !== null) words.push(`--${name}`, quote(value));
  }
  const dryRun = submission[DRY_RUN];
  if (command.mayMutate && (dryRun === true || dryRun === 'true')) words.push('--dry-run');
  return words.join(' ');
}
