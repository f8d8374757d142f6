/**
 * The one place the config's ajv options live. The loader validates with code that ajv generated
 * from these options ahead of time (./generated/config-validator.js, written by ./validator-module.ts);
 * tests of the emitted JSON Schema compile with the same options at run time.
 */
import { Ajv, type Options } from 'ajv';

/** The options that change what is validated and what an error carries. */
const OPTIONS = {
  allErrors: true,
  // verbose puts the failing schema on each error: the allowed keys, enum values and
  // patternErrorMessage that make the error text readable.
  verbose: true,
  // Schema-directed: `${PORT}` substitutes a string, and a field typed integer accepts "8080".
  coerceTypes: true,
  discriminator: true,
  // Durations are `type: [string, integer]` on purpose (one error instead of an anyOf's three).
  allowUnionTypes: true,
} as const satisfies Options;

/**
 * The ajv the config is validated with. `code` only says how generated code is written (as source
 * for ajv's standalone module, ESM); it does not change validation or errors.
 */
export function createAjv(code?: Options['code']): Ajv {
  const ajv = new Ajv(code === undefined ? OPTIONS : { ...OPTIONS, code });
  ajv.addVocabulary(['patternErrorMessage']);
  return ajv;
}
