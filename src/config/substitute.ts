/**
 * Applies `${VAR}` substitution to the string values of a parsed document, in place, before it is
 * turned into plain data. Working on scalars rather than text means a substituted value can never
 * change the document's structure, whatever characters it contains.
 */
import { isMap, isPair, isScalar, isSeq, type Node } from 'yaml';
import { pathKey, type ConfigPath } from './config-path.js';
import type { EnvVars } from './interpolate.js';
import { interpolate } from './interpolate.js';
import { secretValues } from './secret-values.js';

export interface SubstitutionProblem {
  readonly path: ConfigPath;
  readonly at: 'key' | 'value';
  readonly reason: string;
}

export interface Substitution {
  /** Values taken from the environment that are secrets (see secret-values.ts), deduplicated, longest first. */
  readonly secrets: string[];
  /** pathKey -> names of the environment variables substituted there (to avoid echoing secrets). */
  readonly fromEnv: ReadonlyMap<string, readonly string[]>;
  readonly problems: SubstitutionProblem[];
}

export function substituteVariables(root: Node | null, env: EnvVars): Substitution {
  const secrets = new Set<string>();
  const fromEnv = new Map<string, readonly string[]>();
  const problems: SubstitutionProblem[] = [];

  const visit = (node: unknown, path: ConfigPath): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = isScalar(pair.key) ? String(pair.key.value) : '';
        if (key.includes('${')) {
          problems.push({ path: [...path, key], at: 'key', reason: 'variables are substituted in values only, not in keys' });
        }
        visit(pair.value, [...path, key]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => visit(item, [...path, index]));
    } else if (isScalar(node) && typeof node.value === 'string' && node.value.includes('${')) {
      // Aliases are skipped above (they are neither map, seq nor scalar): the anchored node is
      // substituted once where it is defined, and toJS() copies the result to every alias.
      const written = node.value;
      const result = interpolate(written, env);
      node.value = result.value;
      for (const name of result.missing) {
        problems.push({
          path,
          at: 'value',
          reason: `environment variable ${name} is not set (write \${${name}:-default} to make it optional)`,
        });
      }
      for (const token of result.malformed) {
        problems.push({ path, at: 'value', reason: `"${token}" is not a variable reference (use \${NAME} or \${NAME:-default})` });
      }
      if (result.fromEnv.length > 0) fromEnv.set(pathKey(path), result.fromEnv.map((v) => v.name));
      for (const secret of secretValues(path, written, result.value, result.fromEnv.map((v) => v.value))) secrets.add(secret);
    }
  };
  visit(root, []);

  // Longest first, so a redactor replacing in order never leaves half of a longer secret behind.
  return { secrets: [...secrets].sort((a, b) => b.length - a.length), fromEnv, problems };
}
