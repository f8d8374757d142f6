/** The duration field: written as text (or integer milliseconds), loaded as milliseconds. */
import { Type, type SchemaOptions, type TUnsafe } from '@sinclair/typebox';
import { DURATION_PATTERN, parseDuration } from '../duration.js';

export type RawDuration = string | number;

export function Duration(options: SchemaOptions & { readonly default: string }): TUnsafe<RawDuration> {
  return Type.Unsafe<RawDuration>({
    examples: ['90s', '5m', '2h', '1h30m'],
    ...options,
    // One schema with two types rather than a union, so a bad value yields one error, not three.
    type: ['string', 'integer'],
    minimum: 0,
    maximum: 999_999_999_999_999,
    pattern: DURATION_PATTERN,
    patternErrorMessage: 'is not a duration (use e.g. 90s, 5m, 2h)',
  });
}

/** Milliseconds of a value the schema has already accepted. */
export function durationMs(value: RawDuration): number {
  if (typeof value === 'number') return value;
  const ms = parseDuration(value);
  // Unreachable after validation: the schema pattern is the parser's own grammar.
  if (ms === null) throw new Error(`unvalidated duration "${value}"`);
  return ms;
}
