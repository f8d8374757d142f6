/**
 * Adaptive Card checks: the card validates against the published 1.5.0 schema (as the contracts
 * README says: drop `$schema`/`id`, set our own `$id`), and nothing in it needs more than 1.4, the
 * version opsbot declares (the schema marks each element and property with the version it came in).
 */
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { sharedDir } from '../../support/shared.js';

type Json = Record<string, unknown>;

const schema = JSON.parse(readFileSync(join(sharedDir(), 'contracts', 'botframework', 'adaptive-card-1.5.0.schema.json'), 'utf8')) as Json;
const definitions = schema.definitions as Record<string, Json>;
delete schema.$schema;
delete schema.id;
schema.$id = 'https://opsbot.test/adaptive-card-1.5.0.json';

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
ajv.addSchema(schema);
const validate = ajv.getSchema(schema.$id as string)!;

function versionOf(value: unknown): number {
  return typeof value === 'string' ? Number(value) : 0;
}

/** Every element type and property the card uses, with the schema version that introduced it. */
function versionsUsed(node: unknown, out: { where: string; version: number }[] = [], path = '$'): { where: string; version: number }[] {
  if (Array.isArray(node)) node.forEach((n, i) => versionsUsed(n, out, `${path}[${i}]`));
  else if (typeof node === 'object' && node !== null) {
    const object = node as Json;
    const type = typeof object.type === 'string' ? object.type : null;
    const definition = type === null ? undefined : definitions[type];
    if (definition !== undefined) {
      out.push({ where: `${path} ${type}`, version: versionOf(definition.version) });
      const properties = (definition.properties ?? {}) as Record<string, Json>;
      for (const key of Object.keys(object)) out.push({ where: `${path}.${key}`, version: versionOf(properties[key]?.version) });
    }
    for (const [key, value] of Object.entries(object)) if (key !== 'data') versionsUsed(value, out, `${path}.${key}`);
  }
  return out;
}

export function cardProblems(card: unknown): string[] {
  const problems: string[] = [];
  if (!validate(card)) problems.push(...(validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`));
  if ((card as Json).version !== '1.4') problems.push(`version is ${String((card as Json).version)}, not 1.4`);
  for (const used of versionsUsed(card)) if (used.version > 1.4) problems.push(`${used.where} needs Adaptive Cards ${used.version}`);
  return problems;
}

export function assertValidCard(card: unknown): void {
  const problems = cardProblems(card);
  if (problems.length > 0) throw new Error(`invalid Adaptive Card:\n- ${problems.join('\n- ')}\n${JSON.stringify(card, null, 2)}`);
}
