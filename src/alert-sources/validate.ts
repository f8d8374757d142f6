/**
 * Each parser carries its own schema (TypeBox, compiled once by ajv). Schemas describe what we
 * read and allow everything else, so new upstream fields never break intake.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { Static, TSchema } from '@sinclair/typebox';
import { invalid } from './errors.js';

const ajv = new Ajv({ strict: false, allErrors: false, allowUnionTypes: true });

function describe(error: ErrorObject | undefined): string {
  if (error === undefined) return 'does not match the expected shape';
  const at = error.instancePath === '' ? 'the body' : `\`${error.instancePath}\``;
  if (error.keyword === 'required') return `${at} lacks \`${String((error.params as { missingProperty?: unknown }).missingProperty)}\``;
  return `${at} ${error.message ?? 'is invalid'}`;
}

export interface Checker<S extends TSchema> {
  (value: unknown): Static<S>;
  matches(value: unknown): value is Static<S>;
}

export function checker<S extends TSchema>(schema: S, what: string): Checker<S> {
  // Compiled on first use, not at import: every CLI start would otherwise pay for all sources.
  let compiled: ValidateFunction | null = null;
  const validate = (value: unknown): boolean => (compiled ??= ajv.compile(schema))(value);
  const check = (value: unknown): Static<S> => {
    if (!validate(value)) throw invalid(`not ${what}: ${describe(compiled?.errors?.[0])}`);
    return value;
  };
  return Object.assign(check, { matches: (value: unknown): value is Static<S> => validate(value) });
}
