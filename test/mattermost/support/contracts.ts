/**
 * The Mattermost contracts the tests check against: the official OpenAPI file (served by the
 * contract server) and integrations.schema.json (ajv) for the payloads that are not REST calls:
 * slash command answers, response_url posts, action responses, dialogs.
 *
 * One known defect of the upstream OpenAPI file is corrected in a temp copy: PUT /posts/{id}/patch and
 * PUT /posts/{id} declare `props` as a string, while the server decodes an object (model.PostPatch
 * Props *StringInterface; the spec's own Post schema and the contracts' patch-post example use an
 * object). The copy changes exactly those two schema nodes, and fails loudly if upstream fixes them.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { sharedDir } from '../../support/shared.js';

let patchedSpec: string | null = null;

interface Node {
  [key: string]: unknown;
}

function propsSchema(spec: Node, path: string, method: string): Node {
  const paths = spec.paths as Node;
  const operation = (paths[path] as Node)[method] as Node;
  const body = ((operation.requestBody as Node).content as Node)['application/json'] as Node;
  return ((body.schema as Node).properties as Node).props as Node;
}

/** Bump when the correction below changes, so a stale corrected copy is not reused. */
const CORRECTION = 'props-as-object-v1';

export function mattermostSpec(): string {
  if (patchedSpec !== null) return patchedSpec;
  const original = join(sharedDir(), 'contracts', 'mattermost', 'mattermost-openapi-v4.yaml');
  const text = readFileSync(original, 'utf8');
  // One corrected copy per upstream version, reused by every test file and run (not a temp dir each time).
  const dir = join(tmpdir(), `opsbot-mm-spec-${createHash('sha256').update(text).update(CORRECTION).digest('hex').slice(0, 16)}`);
  const corrected = join(dir, 'mattermost-openapi-v4.corrected.yaml');
  if (existsSync(corrected)) return (patchedSpec = corrected);
  const spec = parseYaml(text, { maxAliasCount: -1 }) as Node;
  for (const [path, method] of [
    ['/api/v4/posts/{post_id}/patch', 'put'],
    ['/api/v4/posts/{post_id}', 'put'],
  ] as const) {
    const props = propsSchema(spec, path, method);
    if (props.type !== 'string') throw new Error(`the upstream spec no longer types ${method.toUpperCase()} ${path} props as a string: drop the correction in ${import.meta.url}`);
    props.type = 'object';
  }
  mkdirSync(dir, { recursive: true });
  // Written under a unique name and renamed: a test file reading it never sees half a file.
  const partial = `${corrected}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(partial, stringifyYaml(spec, { aliasDuplicateObjects: false }));
  renameSync(partial, corrected);
  return (patchedSpec = corrected);
}

const ajv = new Ajv({ strict: false, allErrors: true });
ajv.addSchema(JSON.parse(readFileSync(join(sharedDir(), 'contracts', 'mattermost', 'integrations.schema.json'), 'utf8')) as object);
const validators = new Map<string, ValidateFunction>();

/** Violations of `#/definitions/<definition>` in integrations.schema.json; empty when valid. */
export function integrationViolations(definition: string, value: unknown): string[] {
  let validate = validators.get(definition);
  if (validate === undefined) {
    const found = ajv.getSchema(`https://contracts.local/mattermost/integrations.schema.json#/definitions/${definition}`);
    if (found === undefined) throw new Error(`no definition ${definition} in integrations.schema.json`);
    validate = found;
    validators.set(definition, validate);
  }
  return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
}
