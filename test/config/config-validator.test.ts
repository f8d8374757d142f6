/**
 * The config is validated by code ajv generated ahead of time (src/config/generated/config-validator.js,
 * written from today's schema by the build and by the tests' global setup). It must behave exactly like the same schema compiled
 * at run time with createAjv(): same verdict, same errors (schema and parentSchema included, which the
 * messages are made from) and the same type coercion of the data.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { createAjv } from '../../src/config/ajv.js';
import { demoConfigPath } from '../../src/config/demo-path.js';
import { validateConfigSchema } from '../../src/config/generated/config-validator.js';
import { ConfigSchema } from '../../src/config/schema/index.js';
import { damaged } from '../support/mutate.js';

const atRunTime = createAjv().compile(ConfigSchema);

/** What one validator makes of `input`: verdict, errors as plain data, and the data after coercion. */
function outcome(validate: (data: unknown) => boolean, errors: () => unknown, input: unknown) {
  const data = structuredClone(input);
  const valid = validate(data);
  // JSON drops TypeBox's symbol keys, which the runtime schema has and the generated copy does not;
  // the messages read only the JSON part.
  return JSON.parse(JSON.stringify({ valid, errors: errors() ?? null, data: data ?? null })) as unknown;
}

function expectSameOutcome(input: unknown): void {
  const generated = outcome(validateConfigSchema, () => validateConfigSchema.errors, input);
  const compiled = outcome(atRunTime, () => atRunTime.errors, input);
  expect(generated).toEqual(compiled);
}

describe('the generated config validator', () => {
  it('coerces and accepts the demo config like the runtime compile', () => {
    const demo = parseYaml(readFileSync(demoConfigPath(), 'utf8')) as unknown;
    expectSameOutcome(demo);
    expect(validateConfigSchema(structuredClone(demo))).toBe(true);
  });

  it('reports each kind of error the messages describe exactly like the runtime compile', () => {
    const cases: unknown[] = [
      { server: { port: 'eighty', extra: 1 } }, // type (coercion fails), additionalProperties
      { server: { port: '70000' } }, // coerced, then maximum
      { storage: { engine: 'mysql' } }, // discriminator: unknown tag
      { storage: { path: 'x.db' } }, // discriminator: missing tag
      { storage: { engine: 'postgres', url: 'mysql://x' } }, // pattern with patternErrorMessage, verbose parentSchema
      { log: { level: 'loud' } }, // enum
      { access: { roles: { 'Bad Name': { members: [] } } } }, // propertyNames pattern
      { access: { roles: { ops: { members: ['nobody'], allow: [] } } } }, // pattern inside an array
      { alerts: { sources: { alertmanager: {}, grafana: { bearer: 'x', allowUnauthenticated: true } } } }, // min/maxProperties
      { alerts: { routes: [{ to: [] }], bodyLimit: '12' } }, // minItems, coerced then minimum
      { retention: { jobs: 'sometimes' } }, // union type with pattern
      { jobs: { timeout: [] } }, // union type mismatch
      { storage: { engine: 'sqlite', path: '' } }, // minLength
      [], // top-level type
    ];
    for (const input of cases) expectSameOutcome(input);
  });

  it('agrees with the runtime compile on the demo config damaged at any one node', () => {
    const demo = parseYaml(readFileSync(demoConfigPath(), 'utf8')) as unknown;
    fc.assert(
      fc.property(damaged([demo]), ({ value }) => {
        expectSameOutcome(value ?? {});
      }),
      { numRuns: 500 },
    );
  });
});
