/**
 * Schema builders TypeBox lacks in the shape we need. Both exist for the error messages: a plain
 * `enum` fails with one error ("must be one of ...") where a union of literals fails once per branch,
 * and `propertyNames` reports a bad map key as such instead of as an unknown key.
 */
import { Type, type SchemaOptions, type Static, type TSchema, type TUnsafe } from '@sinclair/typebox';

/** Our extension keyword, also understood by VS Code and yaml-language-server. */
export interface PatternMessage {
  /** Completes the sentence `"<value>" ...`, e.g. `is not a duration (use e.g. 90s, 5m, 2h)`. */
  readonly patternErrorMessage: string;
}

export function StringEnum<const V extends readonly string[]>(
  values: V,
  options: SchemaOptions = {},
): TUnsafe<V[number]> {
  return Type.Unsafe<V[number]>({ ...options, type: 'string', enum: [...values] });
}

/** A mapping whose keys are names the user chooses (roles, channels), each checked by `keys`. */
export function KeyedMap<V extends TSchema>(
  keys: TSchema,
  values: V,
  options: SchemaOptions = {},
): TUnsafe<Record<string, Static<V>>> {
  return Type.Unsafe<Record<string, Static<V>>>({
    ...options,
    type: 'object',
    propertyNames: keys,
    additionalProperties: values,
  });
}
