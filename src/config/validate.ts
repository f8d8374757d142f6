/** Validates raw config data against ConfigSchema with ajv and turns ajv's errors into issues. */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { pathKey, pointerToPath } from './config-path.js';
import { describeError } from './describe-error.js';
import type { Issue } from './issue.js';
import { ConfigSchema } from './schema/index.js';

/** The user:password part of a URL, kept out of error messages. */
const URL_CREDENTIALS = /^([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]*@/i;

/** The ajv the loader uses; tests of the emitted JSON Schema validate with the same options. */
export function createAjv(): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    // verbose puts the failing schema on each error: the allowed keys, enum values and
    // patternErrorMessage that make the error text readable.
    verbose: true,
    // Schema-directed: `${PORT}` substitutes a string, and a field typed integer accepts "8080".
    coerceTypes: true,
    discriminator: true,
    // Durations are `type: [string, integer]` on purpose (one error instead of an anyOf's three).
    allowUnionTypes: true,
  });
  ajv.addVocabulary(['patternErrorMessage']);
  return ajv;
}

export interface ValidationContext {
  /** pathKey -> variables substituted there, so a message names the variable instead of the value. */
  readonly fromEnv: ReadonlyMap<string, readonly string[]>;
  /** pathKeys of keys written with no value (and dropped before validation). */
  readonly emptied: ReadonlySet<string>;
}

let compiled: ValidateFunction | undefined;

/** Validates (and, through coerceTypes, normalises) `data` in place. */
export function validateConfig(data: unknown, context: ValidationContext): Issue[] {
  compiled ??= createAjv().compile(ConfigSchema);
  if (compiled(data)) return [];
  const issues: Issue[] = [];
  const seen = new Set<string>();
  for (const error of compiled.errors ?? []) {
    const issue = toIssue(error, data, context);
    const id = issue === null ? '' : `${pathKey(issue.path)} ${issue.reason}`;
    if (issue === null || seen.has(id)) continue;
    seen.add(id);
    issues.push(issue);
  }
  return issues;
}

function toIssue(error: ErrorObject, data: unknown, context: ValidationContext): Issue | null {
  const path = pointerToPath(error.instancePath, data);
  if (error.keyword === 'required') {
    const key = String((error.params as { missingProperty: unknown }).missingProperty);
    const keyPath = [...path, key];
    if (context.emptied.has(pathKey(keyPath))) return { path, pointAt: keyPath, at: 'key', reason: `${JSON.stringify(key)} has no value` };
  }
  const names = context.fromEnv.get(pathKey(path));
  // A value from ${VAR} is a secret and is named, never shown; a URL's user:password is not shown either.
  const quote = (value: unknown): string =>
    names === undefined ? JSON.stringify(typeof value === 'string' ? value.replace(URL_CREDENTIALS, '$1***@') : value) : `the value from ${names.map((n) => `\${${n}}`).join(', ')}`;
  const described = describeError(error, quote);
  if (described === null) return null;
  const { reason, at, key, child } = described;
  if (child !== undefined) return { path: [...path, child], at, reason };
  return key === undefined ? { path, at, reason } : { path, pointAt: [...path, key], at, reason };
}
