/**
 * The pipeline catalog: which variables a user may set on a named pipeline, of what type, and which
 * refs are acceptable. Everything typed in chat is checked here before any server is contacted;
 * anything not declared is refused, never passed through.
 */
import { UsageError } from '../errors.js';
import { closest } from '../args/suggest.js';
import type { PipelineBackendKind, StartRequest } from './ports.js';

export type VariableSpec =
  | { readonly type: 'string'; readonly pattern: string | null; readonly required: boolean; readonly default: string | null; readonly description: string | null }
  | { readonly type: 'integer'; readonly min: number | null; readonly max: number | null; readonly required: boolean; readonly default: number | null; readonly description: string | null }
  | { readonly type: 'boolean'; readonly required: boolean; readonly default: boolean | null; readonly description: string | null }
  | { readonly type: 'enum'; readonly values: readonly string[]; readonly required: boolean; readonly default: string | null; readonly description: string | null };

export interface PipelineInfo {
  readonly name: string;
  readonly backend: PipelineBackendKind;
  readonly description: string | null;
  /** `Jenkins job store/build on https://ci.example.com`. */
  readonly target: string;
  readonly variables: Readonly<Record<string, VariableSpec>>;
  /** Whether `--ref` means anything for this pipeline (GitLab always; Jenkins with a ref parameter). */
  readonly acceptsRef: boolean;
  readonly defaultRef: string | null;
  /** Source of a RegExp the ref must match. */
  readonly refPattern: string;
  /** Extra permission from the config, on top of `pipeline:run:<name>`. */
  readonly permission: string | null;
}

/** A run request that passed the catalog: what would be sent. */
export interface PreparedRun {
  readonly pipeline: string;
  readonly ref: string | null;
  readonly variables: Readonly<Record<string, string>>;
  readonly target: string;
}

/** Refs as git allows them, minus what could be mistaken for options or paths: no leading dash, no `..`. */
export const DEFAULT_REF_PATTERN = '^(?!.*\\.\\.)(?!.*//)[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$';

export function describeVariable(name: string, spec: VariableSpec): string {
  const kind =
    spec.type === 'string'
      ? spec.pattern === null ? 'text' : `text matching ${spec.pattern}`
      : spec.type === 'integer'
        ? `whole number${spec.min === null ? '' : ` ≥ ${spec.min}`}${spec.max === null ? '' : ` ≤ ${spec.max}`}`
        : spec.type === 'boolean'
          ? 'true or false'
          : `one of ${spec.values.join(', ')}`;
  const extra = spec.required ? ', required' : spec.default === null ? '' : `, default ${String(spec.default)}`;
  return `${name}=<${kind}${extra}>`;
}

/** Types one value; returns the string sent to the server or throws UsageError. */
function typed(name: string, spec: VariableSpec, raw: string): string {
  switch (spec.type) {
    case 'string':
      if (raw.length > 1000) throw new UsageError(`\`${name}\` is too long (at most 1000 characters).`);
      if (spec.pattern !== null && !new RegExp(spec.pattern, 'u').test(raw)) throw new UsageError(`\`${raw}\` is not a valid ${name} (it must match ${spec.pattern}).`);
      return raw;
    case 'integer': {
      if (!/^-?\d{1,15}$/.test(raw)) throw new UsageError(`\`${name}\` must be a whole number, not \`${raw}\`.`);
      const n = Number(raw);
      if (spec.min !== null && n < spec.min) throw new UsageError(`\`${name}\` must be at least ${spec.min}.`);
      if (spec.max !== null && n > spec.max) throw new UsageError(`\`${name}\` must be at most ${spec.max}.`);
      return String(n);
    }
    case 'boolean': {
      const lower = raw.toLowerCase();
      if (['true', 'yes', 'on', '1'].includes(lower)) return 'true';
      if (['false', 'no', 'off', '0'].includes(lower)) return 'false';
      throw new UsageError(`\`${name}\` must be true or false, not \`${raw}\`.`);
    }
    case 'enum':
      if (!spec.values.includes(raw)) throw new UsageError(`\`${raw}\` is not a valid ${name}: use one of ${spec.values.join(', ')}.`);
      return raw;
  }
}

/** Checks the variables typed in chat against the catalog and fills declared defaults. */
export function typeVariables(info: Pick<PipelineInfo, 'name' | 'variables'>, given: Readonly<Record<string, string>>): Record<string, string> {
  const declared = Object.keys(info.variables);
  for (const key of Object.keys(given)) {
    if (!Object.hasOwn(info.variables, key)) {
      const near = closest(key, declared);
      const allowed = declared.length === 0 ? `\`${info.name}\` takes no variables` : `allowed: ${declared.join(', ')}`;
      throw new UsageError(`\`${key}\` is not a variable of \`${info.name}\` (${allowed}).${near === null ? '' : ` Did you mean \`${near}\`?`}`);
    }
  }
  const out: Record<string, string> = {};
  for (const [name, spec] of Object.entries(info.variables)) {
    const raw = given[name];
    if (raw !== undefined) out[name] = typed(name, spec, raw);
    else if (spec.default !== null) out[name] = String(spec.default);
    else if (spec.required) throw new UsageError(`\`${info.name}\` needs \`${name}\`: ${describeVariable(name, spec)}.`);
  }
  return out;
}

export function checkRef(info: PipelineInfo, ref: string | undefined): string | null {
  if (ref === undefined) return info.acceptsRef ? info.defaultRef : null;
  if (!info.acceptsRef) throw new UsageError(`\`${info.name}\` does not take a ref (its Jenkins job has no ref parameter in the config).`);
  if (!new RegExp(info.refPattern, 'u').test(ref)) throw new UsageError(`\`${ref}\` is not an acceptable ref for \`${info.name}\` (it must match ${info.refPattern}).`);
  return ref;
}

/**
 * The parameters of an earlier run, fit for a new start: only the catalog's variables, each checked
 * as `pipeline run` checks it, and the ref against its pattern. Others (the job's own parameters, or
 * ones typed into the CI server) are left to the server's defaults, and `note` is told which.
 * `parameters` null: the server retries the run in place with its own variables (GitLab), so only
 * the ref is checked, and no variables are returned.
 */
export function vetRetry(info: PipelineInfo, runName: string, ref: string | null, parameters: Readonly<Record<string, string>> | null, note?: (line: string) => void): StartRequest {
  const kept: Record<string, string> = {};
  const left: string[] = [];
  for (const [name, value] of Object.entries(parameters ?? {})) {
    if (Object.hasOwn(info.variables, name)) kept[name] = value;
    else left.push(name);
  }
  try {
    const checkedRef = info.acceptsRef ? checkRef(info, ref ?? undefined) : null;
    if (parameters === null) return { ref: checkedRef, variables: {} };
    const start = { ref: checkedRef, variables: typeVariables(info, kept) };
    if (left.length > 0) note?.(`Not passed on from ${runName} (not variables of \`${info.name}\` in the config; the server's defaults apply): ${left.sort().join(', ')}.`);
    return start;
  } catch (error: unknown) {
    if (error instanceof UsageError) throw new UsageError(`${runName} cannot be retried as it ran: ${error.message}`);
    throw error;
  }
}
