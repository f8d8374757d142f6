import { SECTION_NAMES } from '../../src/config/schema/index.js';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { demoConfigPath } from '../../src/config/demo-path.js';
import { configJsonSchema } from '../../src/config/json-schema.js';
import { createAjv } from '../../src/config/ajv.js';

describe('configJsonSchema', () => {
  const schema = configJsonSchema();

  it('is plain JSON with titles, descriptions and defaults for editors', () => {
    expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
    expect(schema).toMatchObject({
      $schema: 'http://json-schema.org/draft-07/schema#',
      title: 'opsbot configuration',
      type: 'object',
      additionalProperties: false,
      properties: {
        server: {
          properties: {
            port: { type: 'integer', default: 8080, description: expect.stringContaining('PORT') as unknown },
            shutdownGrace: { default: '30s', patternErrorMessage: expect.stringContaining('duration') as unknown },
          },
        },
      },
    });
    // Every config section, the foundation's first and in order; later sections add to the list.
    expect(Object.keys(schema.properties as object)).toEqual(SECTION_NAMES);
    expect(SECTION_NAMES.slice(0, 5)).toEqual(['storage', 'server', 'log', 'access', 'jobs']);
  });

  it('validates the demo config as written', () => {
    const validate = createAjv().compile(schema);
    const demo: unknown = parse(readFileSync(demoConfigPath(), 'utf8'));
    expect(validate.errors ?? null).toBeNull();
    expect(validate(demo)).toBe(true);
  });

  it('validates with a plain draft-07 validator too', async () => {
    // Ajv in its defaults (no discriminator, strict about unknown keywords off): what an editor does.
    const { Ajv } = await import('ajv');
    const validate = new Ajv({ strict: false }).compile(schema);
    expect(validate(parse(readFileSync(demoConfigPath(), 'utf8')))).toBe(true);
    expect(validate({ storage: { engine: 'postgres', url: 'postgres://x', path: 'y' } })).toBe(false);
    expect(validate({ jobs: { timeout: '5 minutes' } })).toBe(false);
    expect(validate({ acess: {} })).toBe(false);
  });
});

describe('configJsonSchema for files as written', () => {
  it('accepts ${DATABASE_URL} as a postgres url', () => {
    const validate = createAjv().compile(configJsonSchema());
    expect(validate({ storage: { engine: 'postgres', url: '${DATABASE_URL}' } })).toBe(true);
    expect(validate({ storage: { engine: 'postgres', url: 'mysql://x' } })).toBe(false);
  });
});
