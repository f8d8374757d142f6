/**
 * Each parser carries its own schema (TypeBox, checked by src/json-shape.ts). Schemas describe what
 * we read and allow everything else, so new upstream fields never break intake.
 */
import type { Static, TSchema } from '@sinclair/typebox';
import { shapeCheck } from '../json-shape.js';
import { invalid } from './errors.js';

/** Returns the value typed by its schema, or throws the reason (a 422 at the intake route). */
export function checker<S extends TSchema>(schema: S, what: string): (value: unknown) => Static<S> {
  const shape = shapeCheck(schema);
  return (value) => {
    const checked = shape.check(value);
    if (!checked.ok) throw invalid(`not ${what}: ${checked.problem}`);
    return checked.value;
  };
}
