/**
 * The JSON Schema of the raw config file, for editors: with yaml-language-server, put
 * `# yaml-language-server: $schema=./opsbot.schema.json` at the top of the config after
 * `opsbot config-schema > opsbot.schema.json`.
 */
import { ConfigSchema } from './schema/index.js';

const DRAFT_07 = 'http://json-schema.org/draft-07/schema#';

export function configJsonSchema(): Record<string, unknown> {
  // The JSON round trip drops TypeBox's symbol-keyed bookkeeping and returns a fresh copy.
  const schema = JSON.parse(JSON.stringify(ConfigSchema)) as Record<string, unknown>;
  return { $schema: DRAFT_07, ...schema };
}
