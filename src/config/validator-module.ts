/**
 * Writes the config validator as an ES module: ajv's standalone code for ConfigSchema, compiled with
 * createAjv()'s options. Compiling the schema at run time costs about half a second of every opsbot
 * process (serve, shell, run, check-config…); importing the generated code costs a small fraction.
 *
 * It is generated, never committed: `npm run build` runs this file (from dist) to write it into
 * dist, and the test run's global setup writes the copy in src that vitest loads. The module is plain
 * JavaScript with a hand-written .d.ts beside it (tsc would re-indent the nested code to twice its
 * size and spend seconds on it).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { createAjv } from './ajv.js';
import { ConfigSchema } from './schema/index.js';

/** The generated module beside this file's directory, in src or in dist alike. */
export const VALIDATOR_MODULE = join(dirname(fileURLToPath(import.meta.url)), 'generated', 'config-validator.js');

const HEADER = `// Generated from ConfigSchema by src/config/validator-module.ts (npm run build; the tests' global
// setup): do not edit, and do not commit. Types: config-validator.d.ts.
import { createRequire } from 'node:module';

// ajv's ESM output still loads its runtime helpers (ucs2length, equal) with require().
const require = createRequire(import.meta.url);
`;

export function configValidatorModule(): string {
  // lines: one statement a line, so the generated file can be read and diffed when in doubt.
  const ajv = createAjv({ source: true, esm: true, lines: true });
  const validate = ajv.compile(ConfigSchema);
  const name = validate.source?.validateName;
  if (name === undefined) throw new Error('ajv kept no source for the config validator (code.source is off)');
  // A CommonJS module: Node's ESM import gives its module.exports, whose .default is the function
  // (the only spelling TypeScript under NodeNext also accepts).
  const code = standaloneCode.default(ajv, validate);
  return `${HEADER}\n${code}\n\nexport const validateConfigSchema = ${String(name)};\n`;
}

/** Writes the module (the directory too, on a fresh checkout). */
export function writeConfigValidator(path = VALIDATOR_MODULE): void {
  const text = configValidatorModule();
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

// `node dist/src/config/validator-module.js`, as `npm run build` runs it.
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) writeConfigValidator();
