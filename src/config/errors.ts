/**
 * Boot-time config failures. One error carries every problem found, so a user fixes the file in one
 * pass instead of one restart per typo (ARCHITECTURE principle 8: file, path and reason).
 */

export interface ConfigProblem {
  /** The config file, or `environment` for a bad environment variable. */
  readonly source: string;
  /** 1-based; absent when the problem has no position (missing file, environment). */
  readonly line?: number;
  readonly col?: number;
  /** Display path such as `access.roles.operator.members[0]`; empty for the file as a whole. */
  readonly path: string;
  readonly reason: string;
}

export class ConfigError extends Error {
  readonly code = 'config_invalid' as const;
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[], options?: { cause?: unknown }) {
    super(problems.map(formatProblem).join('\n'), options);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/**
 * `<file>:<line>:<col> <path>: <reason>`, dropping the parts a problem does not have:
 * `<file>:<line>:<col> <reason>` for syntax errors, `<file>: <reason>` for a missing file and
 * `environment PORT: <reason>` for the environment.
 */
export function formatProblem(p: ConfigProblem): string {
  const where = p.line === undefined ? p.source : `${p.source}:${p.line}:${p.col ?? 1}`;
  if (p.path !== '') return `${where} ${p.path}: ${p.reason}`;
  return p.line === undefined ? `${where}: ${p.reason}` : `${where} ${p.reason}`;
}
