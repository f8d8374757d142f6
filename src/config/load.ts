/**
 * Boot-time loading: read → parse YAML (keeping positions) → substitute `${VAR}` in string values →
 * validate → defaults, environment overrides, durations → cross-field checks. Every problem found
 * along the way is reported at once in one ConfigError; nothing half-loaded escapes.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { commandRegistry } from '../command-registry.js';
import { commandProblems, type CommandCatalog } from './command-checks.js';
import { formatPath, pathKey, type ConfigPath } from './config-path.js';
import type { Environment } from './env.js';
import { ConfigError, type ConfigProblem } from './errors.js';
import type { Issue } from './issue.js';
import { buildConfig } from './schema/index.js';
import { storageSecrets } from './schema/storage.js';
import { substituteVariables } from './substitute.js';
import type { LoadedConfig } from './types.js';
import { validateConfig } from './validate.js';
import { locate, parseYaml, type YamlSource } from './yaml-source.js';

export interface LoadOptions {
  /** Resolves a relative `path` and relative paths inside the config. Default: process.cwd(). */
  readonly cwd?: string;
  /**
   * The commands schedules and channel bindings may name: the registry of the bot that will run
   * this config (boot passes its own, extra commands included). Default: opsbot's commands.
   */
  readonly commands?: CommandCatalog;
}

/** Throws ConfigError naming file, line:column, path and reason of every problem. */
export function loadConfig(path: string, env: Environment, options: LoadOptions = {}): LoadedConfig {
  const cwd = options.cwd ?? process.cwd();
  const file = resolve(cwd, path);
  const parsed = parseYaml(file, readConfigFile(file));
  if (!parsed.ok) throw new ConfigError(parsed.problems);
  const { source } = parsed;

  const substitution = substituteVariables(source.doc.contents, env.variables);
  const emptied = new Set<string>();
  const data = withoutEmptyValues(toJS(source), [], emptied) ?? {};
  // A missing variable leaves an empty string behind; its "must not be empty" would only repeat it.
  const reported = new Set(substitution.problems.map((p) => pathKey(p.path)));
  const issues = [
    ...substitution.problems,
    ...validateConfig(data, { fromEnv: substitution.fromEnv, emptied }).filter((i) => !reported.has(pathKey(i.path))),
  ];
  if (issues.length > 0) throw new ConfigError(locateAll(source, issues));

  // validateConfig has checked `data` against ConfigSchema, so it is a RawConfig. (TypeScript
  // agrees without an assertion only because every section of RawConfig is optional.)
  const built = buildConfig(data, { environment: env, cwd });
  const problems = [...built.problems, ...commandProblems(built.config, options.commands ?? commandRegistry())];
  if (problems.length > 0) {
    throw new ConfigError(locateAll(source, problems.map((p) => ({ ...p, at: 'value' as const }))));
  }
  const secrets = [...new Set([...substitution.secrets, ...storageSecrets(built.config.storage)])].sort((a, b) => b.length - a.length);
  return { config: built.config, file, secrets };
}

function toJS(source: YamlSource): unknown {
  try {
    return source.doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // yaml refuses alias bombs here ("Excessive alias count"); anything else it throws is as fatal.
    const reason = `invalid YAML: ${error instanceof Error ? error.message : String(error)}`;
    throw new ConfigError([{ source: source.file, path: '', reason }], { cause: error });
  }
}

function readConfigFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'config file not found'
        : code === 'EISDIR'
          ? 'is a directory, not a config file'
          : `cannot read config file (${error instanceof Error ? error.message : String(error)})`;
    throw new ConfigError([{ source: file, path: '', reason }], { cause: error });
  }
}

/**
 * `key:` with nothing after it, typically a section whose contents are all commented out, means
 * the same as leaving the key out, so defaults apply instead of "must be a mapping" errors. The
 * dropped paths are remembered so a required key written empty is reported as such.
 */
function withoutEmptyValues(value: unknown, path: ConfigPath, emptied: Set<string>): unknown {
  if (Array.isArray(value)) return value.map((item, i) => withoutEmptyValues(item, [...path, i], emptied));
  if (typeof value !== 'object' || value === null) return value;
  const kept: [string, unknown][] = [];
  for (const [key, item] of Object.entries(value)) {
    if (item === null || item === undefined) emptied.add(pathKey([...path, key]));
    else kept.push([key, withoutEmptyValues(item, [...path, key], emptied)]);
  }
  return Object.fromEntries(kept);
}

function locateAll(source: YamlSource, issues: readonly Issue[]): ConfigProblem[] {
  return issues
    .map((issue) => ({ issue, pos: locate(source, issue.pointAt ?? issue.path, issue.at) }))
    .sort((a, b) => a.pos.line - b.pos.line || a.pos.col - b.pos.col)
    .map(({ issue, pos }) => ({ source: source.file, line: pos.line, col: pos.col, path: formatPath(issue.path), reason: issue.reason }));
}
