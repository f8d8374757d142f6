/**
 * Does a JSON value have the shape opsbot reads? The shape is a TypeBox schema, compiled by ajv on
 * first use (a CLI start pays for none of them), and a refusal names the first problem with its JSON
 * pointer, in one sentence for whoever sent it. Schemas describe what opsbot reads and allow
 * everything else, so a new upstream field never breaks intake. Used for request bodies (alert
 * sources, Teams activities) and for what remote servers answer (backends/json-reply.ts).
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { Type, type Static, type TSchema } from '@sinclair/typebox';

const ajv = new Ajv({ strict: false, allErrors: false, allowUnionTypes: true });

function describe(error: ErrorObject | undefined): string {
  if (error === undefined) return 'does not match the expected shape';
  const at = error.instancePath === '' ? 'the body' : `\`${error.instancePath}\``;
  if (error.keyword === 'required') return `${at} lacks \`${String((error.params as { missingProperty?: unknown }).missingProperty)}\``;
  return `${at} ${error.message ?? 'is invalid'}`;
}

/** A field that may be left out or be null, as JSON writers do either way for "not given". */
export const optionalOrNull = <T extends TSchema>(schema: T) => Type.Optional(Type.Union([schema, Type.Null()]));

export type Checked<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

export interface ShapeCheck<T> {
  /** The value, typed; or why it is not of the shape, e.g. "`/from/id` must be string". */
  check(value: unknown): Checked<T>;
}

export function shapeCheck<S extends TSchema>(schema: S): ShapeCheck<Static<S>> {
  let compiled: ValidateFunction | null = null;
  return {
    check(value) {
      compiled ??= ajv.compile(schema);
      return compiled(value) ? { ok: true, value: value as Static<S> } : { ok: false, problem: describe(compiled.errors?.[0]) };
    },
  };
}
