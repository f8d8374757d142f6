/**
 * Each parser carries its own schema (TypeBox, checked by http/json-shape.ts). Schemas describe what
 * we read and allow everything else, so new upstream fields never break intake.
 */
import type { Static, TSchema } from '@sinclair/typebox';
import { shapeCheck } from '../http/json-shape.js';
import { invalid } from './errors.js';

/** Returns the value typed by its schema, or throws the reason (a 422 at the intake route). */
export function checker<S extends TSchema>(schema: S, what: string): (value: unknown) => Static<S> {
  const shape = shapeCheck(schema);
  return (value) => {
    const problem = shape.problem(value);
    if (problem !== null) throw invalid(`not ${what}: ${problem}`);
    return value;
  };
}
