/**
 * Does a JSON body have the shape opsbot reads? The shape is a TypeBox schema, compiled by ajv on
 * first use (a CLI start pays for none of them), and the answer names the first problem with its
 * JSON pointer, in one sentence for the sender. Schemas describe what opsbot reads and allow
 * everything else, so a new upstream field never breaks intake.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { TSchema } from '@sinclair/typebox';

const ajv = new Ajv({ strict: false, allErrors: false, allowUnionTypes: true });

function describe(error: ErrorObject | undefined): string {
  if (error === undefined) return 'does not match the expected shape';
  const at = error.instancePath === '' ? 'the body' : `\`${error.instancePath}\``;
  if (error.keyword === 'required') return `${at} lacks \`${String((error.params as { missingProperty?: unknown }).missingProperty)}\``;
  return `${at} ${error.message ?? 'is invalid'}`;
}

export interface ShapeCheck {
  /** Null when `value` has the shape (it is then a `Static` of the schema); otherwise why not, e.g. "`/from/id` must be string". */
  problem(value: unknown): string | null;
}

export function shapeCheck(schema: TSchema): ShapeCheck {
  let compiled: ValidateFunction | null = null;
  const validate = (value: unknown): boolean => (compiled ??= ajv.compile(schema))(value);
  return { problem: (value) => (validate(value) ? null : describe(compiled?.errors?.[0])) };
}
