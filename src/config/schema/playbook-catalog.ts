/**
 * The playbook catalog (playbooks/catalog.yaml): id → playbook file, inventory, permission, tags and
 * the variables users may set, with their types. It is opsbot's allowlist, so it lives with opsbot's
 * config (not in the playbook repository, where a push could widen it) and is validated at boot
 * with the same error style as the config file: file, line, path, reason.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { Type, type SchemaOptions, type Static, type TUnsafe } from '@sinclair/typebox';
import { Ajv, type ValidateFunction } from 'ajv';
import type { VarSpec } from '../../core/deploy/types.js';
import { pointerToPath, formatPath, type ConfigPath } from '../config-path.js';
import { describeError } from '../describe-error.js';
import type { CatalogInventory, CatalogPlaybook, PlaybookCatalog } from '../deploy-types.js';
import { ConfigError, type ConfigProblem } from '../errors.js';
import { locate, parseYaml } from '../yaml-source.js';
import { PERMISSION_PATTERN } from './identifiers.js';
import { KeyedMap } from './primitives.js';

/**
 * A fixed variable's value in the config: one schema with three types (not a union), so ajv's type
 * coercion leaves a value that already has one of them alone (`18481` stays a number, `true` a boolean).
 */
export function VarValueSchema(options: SchemaOptions = {}): TUnsafe<string | number | boolean> {
  return Type.Unsafe<string | number | boolean>({ ...options, type: ['string', 'integer', 'boolean'] });
}

/** Catalog ids, inventory ids and host names: plain words (they meet argv, never a shell). */
export const CATALOG_ID_PATTERN = '^[a-z0-9][a-z0-9_-]{0,62}$';
export const HOST_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$';
/** Variable names: lowercase identifiers; `ansible_*` is reserved for ansible's own settings. */
export const VAR_NAME_PATTERN = '^(?!ansible_)[a-z_][a-z0-9_]{0,63}$';
const TAG_PATTERN = '^[A-Za-z0-9_-]{1,64}$';
const RELATIVE_FILE = '^(?!/)(?!.*(?:^|/)\\.\\.(?:/|$))[A-Za-z0-9._/-]+$';

const common = {
  description: Type.String({ minLength: 1, description: 'What the variable means (shown in errors and help).' }),
  required: Type.Optional(Type.Boolean({ default: false })),
};

const StringVar = Type.Object(
  {
    type: Type.Literal('string'),
    pattern: Type.String({ minLength: 3, pattern: '^\\^.*\\$$', patternErrorMessage: 'must be an anchored regular expression (^…$)', description: 'Anchored regular expression the value must match: no free text reaches a playbook.' }),
    maxLength: Type.Optional(Type.Integer({ minimum: 1, maximum: 1024, default: 128 })),
    default: Type.Optional(Type.String()),
    ...common,
  },
  { additionalProperties: false },
);
const IntegerVar = Type.Object(
  { type: Type.Literal('integer'), min: Type.Integer(), max: Type.Integer(), default: Type.Optional(Type.Integer()), ...common },
  { additionalProperties: false },
);
const BooleanVar = Type.Object({ type: Type.Literal('boolean'), default: Type.Optional(Type.Boolean()), ...common }, { additionalProperties: false });
const EnumVar = Type.Object(
  {
    type: Type.Literal('enum'),
    values: Type.Array(Type.String({ pattern: '^[A-Za-z0-9._-]{1,64}$' }), { minItems: 1 }),
    default: Type.Optional(Type.String()),
    ...common,
  },
  { additionalProperties: false },
);

type RawVar = Static<typeof StringVar> | Static<typeof IntegerVar> | Static<typeof BooleanVar> | Static<typeof EnumVar>;
const VarSchema = Type.Unsafe<RawVar>({ type: 'object', discriminator: { propertyName: 'type' }, required: ['type'], oneOf: [StringVar, IntegerVar, BooleanVar, EnumVar] });

const InventorySchema = Type.Object(
  {
    file: Type.String({ pattern: RELATIVE_FILE, patternErrorMessage: 'must be a path inside the playbooks directory', description: 'Inventory file, relative to the playbooks directory.' }),
    hosts: Type.Array(Type.String({ pattern: HOST_PATTERN }), { minItems: 1, description: 'The hosts `--limit` may name (an allowlist).' }),
  },
  { additionalProperties: false },
);

const PlaybookSchema = Type.Object(
  {
    file: Type.String({ pattern: RELATIVE_FILE, patternErrorMessage: 'must be a path inside the playbooks directory', description: 'Playbook file, relative to the playbooks directory.' }),
    description: Type.String({ minLength: 1 }),
    inventory: Type.String({ pattern: CATALOG_ID_PATTERN }),
    permission: Type.Optional(Type.String({ pattern: PERMISSION_PATTERN, description: 'Permission needed to run it with `run`, besides playbooks:run:<id>. Default: playbooks:run:<id>.' })),
    tags: Type.Optional(Type.Array(Type.String({ pattern: TAG_PATTERN }), { default: [] })),
    vars: Type.Optional(KeyedMap(Type.String({ pattern: VAR_NAME_PATTERN, patternErrorMessage: 'is not a variable name (lowercase identifier, not ansible_*)' }), VarSchema, { default: {} })),
  },
  { additionalProperties: false },
);

export const CatalogSchema = Type.Object(
  {
    inventories: KeyedMap(Type.String({ pattern: CATALOG_ID_PATTERN }), InventorySchema),
    playbooks: KeyedMap(Type.String({ pattern: CATALOG_ID_PATTERN }), PlaybookSchema),
  },
  { additionalProperties: false, title: 'opsbot playbook catalog' },
);

type RawCatalog = Static<typeof CatalogSchema>;

let compiled: ValidateFunction | undefined;

/**
 * The config loader's ajv settings (../validate.ts), built here because importing that module would
 * make a cycle (it imports every section, this one included).
 */
function catalogAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, verbose: true, discriminator: true, allowUnionTypes: true });
  ajv.addVocabulary(['patternErrorMessage']);
  return ajv;
}

/**
 * Reads and validates the catalog. Playbook and inventory files resolve against `dir`; their
 * existence is checked only when `checkFiles` (not when a repository sync brings them later).
 * Throws a ConfigError naming the catalog file, line and path of every problem.
 */
export function loadCatalog(file: string, dir: string, checkFiles: boolean): PlaybookCatalog {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError([{ source: file, path: '', reason: `cannot read the playbook catalog (${error instanceof Error ? error.message : String(error)})` }], { cause: error });
  }
  const parsed = parseYaml(file, text);
  if (!parsed.ok) throw new ConfigError(parsed.problems);
  const data: unknown = parsed.source.doc.toJS({ maxAliasCount: 100 });
  compiled ??= catalogAjv().compile(CatalogSchema);
  const problems: { path: ConfigPath; reason: string; at: 'key' | 'value' }[] = [];
  if (!compiled(data)) {
    for (const error of compiled.errors ?? []) {
      const described = describeError(error, (v) => JSON.stringify(v));
      if (described === null) continue;
      const path = pointerToPath(error.instancePath, data);
      problems.push({ path: described.child === undefined ? (described.key === undefined ? path : [...path, described.key]) : [...path, described.child], reason: described.reason, at: described.at });
    }
  } else {
    problems.push(...semanticProblems(data as RawCatalog, dir, checkFiles));
  }
  if (problems.length > 0) {
    const located: ConfigProblem[] = problems.map((p) => {
      const pos = locate(parsed.source, p.path, p.at);
      return { source: file, line: pos.line, col: pos.col, path: formatPath(p.path), reason: p.reason };
    });
    throw new ConfigError(located);
  }
  return build(data as RawCatalog, file, dir);
}

function semanticProblems(raw: RawCatalog, dir: string, checkFiles: boolean): { path: ConfigPath; reason: string; at: 'key' | 'value' }[] {
  const problems: { path: ConfigPath; reason: string; at: 'key' | 'value' }[] = [];
  const add = (path: ConfigPath, reason: string): void => {
    problems.push({ path, reason, at: 'value' });
  };
  for (const [id, inv] of Object.entries(raw.inventories)) {
    if (checkFiles && !existsSync(resolve(dir, inv.file))) add(['inventories', id, 'file'], `file not found in ${dir}`);
  }
  for (const [id, pb] of Object.entries(raw.playbooks)) {
    if (!Object.hasOwn(raw.inventories, pb.inventory)) add(['playbooks', id, 'inventory'], `unknown inventory ${JSON.stringify(pb.inventory)} (inventories: ${Object.keys(raw.inventories).join(', ')})`);
    if (checkFiles && !existsSync(resolve(dir, pb.file))) add(['playbooks', id, 'file'], `file not found in ${dir}`);
    for (const [name, v] of Object.entries(pb.vars ?? {})) {
      const at = ['playbooks', id, 'vars', name];
      if (v.type === 'string') {
        let regex: RegExp | null = null;
        try {
          regex = new RegExp(v.pattern, 'u');
        } catch (error) {
          add([...at, 'pattern'], `is not a regular expression (${error instanceof Error ? error.message : String(error)})`);
        }
        if (regex !== null && v.default !== undefined && !regex.test(v.default)) add([...at, 'default'], 'does not match the pattern');
      }
      if (v.type === 'integer') {
        if (v.min > v.max) add([...at, 'min'], 'must not be greater than max');
        if (v.default !== undefined && (v.default < v.min || v.default > v.max)) add([...at, 'default'], `must be between ${v.min} and ${v.max}`);
      }
      if (v.type === 'enum' && v.default !== undefined && !v.values.includes(v.default)) add([...at, 'default'], `must be one of ${v.values.join(', ')}`);
    }
  }
  return problems;
}

function toVarSpec(v: RawVar): VarSpec {
  const base = { description: v.description, required: v.required ?? false };
  switch (v.type) {
    case 'string':
      return { type: 'string', pattern: v.pattern, maxLength: v.maxLength ?? 128, ...base, ...(v.default === undefined ? {} : { default: v.default }) };
    case 'integer':
      return { type: 'integer', min: v.min, max: v.max, ...base, ...(v.default === undefined ? {} : { default: v.default }) };
    case 'boolean':
      return { type: 'boolean', ...base, ...(v.default === undefined ? {} : { default: v.default }) };
    case 'enum':
      return { type: 'enum', values: v.values, ...base, ...(v.default === undefined ? {} : { default: v.default }) };
  }
}

function build(raw: RawCatalog, file: string, dir: string): PlaybookCatalog {
  const inventories: Record<string, CatalogInventory> = {};
  for (const [id, inv] of Object.entries(raw.inventories)) inventories[id] = { id, file: resolve(dir, inv.file), hosts: inv.hosts };
  const playbooks: Record<string, CatalogPlaybook> = {};
  for (const [id, pb] of Object.entries(raw.playbooks)) {
    playbooks[id] = {
      id,
      file: resolve(dir, pb.file),
      description: pb.description,
      inventory: pb.inventory,
      permission: pb.permission ?? `playbooks:run:${id}`,
      tags: pb.tags ?? [],
      vars: Object.fromEntries(Object.entries(pb.vars ?? {}).map(([name, v]) => [name, toVarSpec(v)])),
    };
  }
  return { file, inventories, playbooks };
}

/** Absolute path: relative to `base` unless already absolute. */
export function absolute(base: string, path: string): string {
  return isAbsolute(path) ? path : resolve(base, path);
}

export function catalogDir(file: string): string {
  return dirname(file);
}
