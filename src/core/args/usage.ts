/** Usage and help text, generated from the args schema so it can never drift from the parser. */
import type { ArgSpec, ArgsSchema } from './schema.js';
import { formatDuration } from './duration.js';

export interface UsageSubject {
  readonly name: string;
  readonly args: ArgsSchema;
  readonly mayMutate: boolean;
  readonly locks: boolean;
}

/** Flags every mutating command accepts; the dispatcher reads them, handlers see ctx.dryRun. */
export const GLOBAL_FLAGS = {
  'dry-run': { type: 'boolean', description: 'Show what would happen; change nothing.' },
  queue: { type: 'boolean', description: 'If the target is locked, wait for the lock instead of failing.' },
} as const satisfies ArgsSchema;

export function globalFlagsFor(subject: Pick<UsageSubject, 'mayMutate' | 'locks'>): (keyof typeof GLOBAL_FLAGS)[] {
  const flags: (keyof typeof GLOBAL_FLAGS)[] = [];
  if (subject.mayMutate) flags.push('dry-run');
  if (subject.locks) flags.push('queue');
  return flags;
}

export function positionals(args: ArgsSchema): [string, ArgSpec & { positional: number }][] {
  return Object.entries(args)
    .filter((e): e is [string, ArgSpec & { positional: number }] => 'positional' in e[1] && typeof e[1].positional === 'number')
    .sort((a, b) => a[1].positional - b[1].positional);
}

export function flagArgs(args: ArgsSchema): [string, ArgSpec][] {
  return Object.entries(args).filter(([, spec]) => spec.type !== 'pairs' && !('positional' in spec && spec.positional !== undefined));
}

function isRequired(spec: ArgSpec): boolean {
  return 'required' in spec && spec.required === true;
}

function placeholder(name: string, spec: ArgSpec): string {
  if (spec.type === 'string' && spec.enum !== undefined && spec.enum.length <= 4) return spec.enum.join('|');
  if ('placeholder' in spec && spec.placeholder !== undefined) return spec.placeholder;
  return name;
}

export function usageLine(subject: UsageSubject): string {
  const parts = [subject.name];
  for (const [name, spec] of positionals(subject.args)) {
    const shown = `<${placeholder(name, spec)}${spec.type === 'string' && spec.rest === true ? '…' : ''}>`;
    parts.push(isRequired(spec) ? shown : `[${shown}]`);
  }
  for (const [name, spec] of Object.entries(subject.args)) {
    if (spec.type === 'pairs') parts.push('[key=value…]');
    else if (!('positional' in spec) || spec.positional === undefined) {
      const flag = spec.type === 'boolean' ? `--${name}` : `--${name} <${placeholder(name, spec)}>`;
      parts.push(isRequired(spec) ? flag : `[${flag}]`);
    }
  }
  for (const flag of globalFlagsFor(subject)) parts.push(`[--${flag}]`);
  return parts.join(' ');
}

/** One line per argument for `help <command>`. */
export function argumentLines(subject: UsageSubject): string[] {
  const lines: string[] = [];
  const all: [string, ArgSpec][] = [...Object.entries(subject.args), ...globalFlagsFor(subject).map((f): [string, ArgSpec] => [f, GLOBAL_FLAGS[f]])];
  for (const [name, spec] of all) {
    const isPositional = 'positional' in spec && spec.positional !== undefined;
    const head = spec.type === 'pairs' ? 'key=value…' : isPositional ? `<${placeholder(name, spec)}>` : `--${name}${'short' in spec && spec.short !== undefined ? `, -${spec.short}` : ''}`;
    lines.push(`${head}  ${spec.description}${constraintText(spec)}`);
  }
  return lines;
}

function constraintText(spec: ArgSpec): string {
  const notes: string[] = [];
  switch (spec.type) {
    case 'string':
      if (spec.enum !== undefined) notes.push(`one of ${spec.enum.join(', ')}`);
      if (spec.default !== undefined) notes.push(`default ${spec.default}`);
      break;
    case 'integer':
      if (spec.min !== undefined) notes.push(`min ${spec.min}`);
      if (spec.max !== undefined) notes.push(`max ${spec.max}`);
      if (spec.default !== undefined) notes.push(`default ${spec.default}`);
      break;
    case 'duration':
      notes.push('a duration such as 90s, 5m, 2h');
      if (spec.default !== undefined) notes.push(`default ${formatDuration(spec.default)}`);
      break;
    case 'boolean':
    case 'pairs':
      break;
  }
  if ('secret' in spec && spec.secret === true) notes.push('secret: never logged');
  return notes.length > 0 ? ` (${notes.join('; ')})` : '';
}
