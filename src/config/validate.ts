/**
 * Validates raw config data against ConfigSchema and turns ajv's errors into issues. The validator is
 * ajv's code generated ahead of time (./validator-module.ts): compiling the schema here would cost
 * about half a second of every opsbot process.
 */
import type { ErrorObject } from 'ajv';
import { pathKey, pointerToPath } from './config-path.js';
import { describeError } from './describe-error.js';
import { validateConfigSchema } from './generated/config-validator.js';
import type { Issue } from './issue.js';

/** The user:password part of a URL, kept out of error messages. */
const URL_CREDENTIALS = /^([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]*@/i;

export interface ValidationContext {
  /** pathKey -> variables substituted there, so a message names the variable instead of the value. */
  readonly fromEnv: ReadonlyMap<string, readonly string[]>;
  /** pathKeys of keys written with no value (and dropped before validation). */
  readonly emptied: ReadonlySet<string>;
}

/** Validates (and, through coerceTypes, normalises) `data` in place. */
export function validateConfig(data: unknown, context: ValidationContext): Issue[] {
  if (validateConfigSchema(data)) return [];
  const issues: Issue[] = [];
  const seen = new Set<string>();
  for (const error of validateConfigSchema.errors ?? []) {
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
