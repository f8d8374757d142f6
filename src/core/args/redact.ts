/**
 * Secret values never reach the audit, the job record, logs or chat. Args marked `secret` are masked
 * by name; text (job output, error messages) is masked by value.
 */
import type { AnyArgValues, ArgsSchema } from './schema.js';
import { positionals } from './usage.js';
import { formatDuration } from './duration.js';

export const MASK = '***';

export function redactArgs(args: ArgsSchema, values: AnyArgValues): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined) continue;
    const spec = args[name];
    const secret = spec !== undefined && 'secret' in spec && spec.secret === true;
    if (!secret) out[name] = value;
    else if (typeof value === 'object') out[name] = Object.fromEntries(Object.keys(value).map((k) => [k, MASK]));
    else out[name] = MASK;
  }
  return out;
}

/** Secret string values of an invocation, to mask wherever they might be echoed. */
export function secretValues(args: ArgsSchema, values: AnyArgValues): string[] {
  const found: string[] = [];
  for (const [name, spec] of Object.entries(args)) {
    if (!('secret' in spec) || spec.secret !== true) continue;
    const value = values[name];
    if (typeof value === 'string' && value !== '') found.push(value);
    else if (typeof value === 'object') found.push(...Object.values(value).filter((v) => v !== ''));
  }
  return found;
}

/**
 * Masks every occurrence of every secret, longest first (so a secret containing another is fully
 * masked). The secrets are sorted once, and a text that holds none of them (nearly all) is returned
 * as it is: make one per set of secrets (a logger, a job's output, the dispatcher) and reuse it.
 */
export class SecretMask {
  private readonly secrets: readonly string[];

  constructor(secrets: readonly string[]) {
    this.secrets = [...new Set(secrets)].filter((s) => s.length >= 3).sort((a, b) => b.length - a.length);
  }

  get empty(): boolean {
    return this.secrets.length === 0;
  }

  readonly text = (text: string): string => {
    let out = text;
    for (const secret of this.secrets) if (out.includes(secret)) out = out.split(secret).join(MASK);
    return out;
  };
}

/** One text masked against `secrets` (see SecretMask, for many texts against the same secrets). */
export function redactText(text: string, secrets: readonly string[]): string {
  return new SecretMask(secrets).text(text);
}

/**
 * The canonical, redacted text of an invocation, rebuilt from the typed values rather than echoing
 * what was typed: `deploy store-pl blue --version 1.4.2`.
 */
export function canonicalText(name: string, args: ArgsSchema, values: AnyArgValues, flags: { dryRun: boolean }): string {
  const redacted = redactArgs(args, values);
  const parts = [name];
  const quote = (v: unknown): string => {
    const text = String(v);
    return /^[A-Za-z0-9_.,:/@%+=*-]+$/.test(text) ? text : `'${text.replace(/'/g, "'\\''")}'`;
  };
  // Durations are kept in milliseconds; people read and retype them as `30m`.
  const shown = (argName: string, value: unknown): string => {
    const spec = args[argName];
    return quote(spec?.type === 'duration' && typeof value === 'number' ? formatDuration(value).replace(/ /g, '') : value);
  };
  for (const [argName] of positionals(args)) if (redacted[argName] !== undefined) parts.push(shown(argName, redacted[argName]));
  for (const [argName, spec] of Object.entries(args)) {
    const value = redacted[argName];
    if (value === undefined || ('positional' in spec && spec.positional !== undefined)) continue;
    if (spec.type === 'boolean') {
      if (value === true) parts.push(`--${argName}`);
    } else if (spec.type === 'pairs') {
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) parts.push(`${k}=${quote(v)}`);
    } else parts.push(`--${argName}`, shown(argName, value));
  }
  if (flags.dryRun) parts.push('--dry-run');
  return parts.join(' ');
}
