/**
 * What the command line prints when a subcommand fails. An operator reads it in a terminal or a
 * journal, so it says what went wrong and why: the message, then each cause on a line of its own
 * (`store migration failed` alone hides `password authentication failed`). Failures that explain
 * themselves (a config error, a taken port, a refused connection, a database that refused the login)
 * get no stack; anything else is a bug, and its stack is what the bug report needs. Every line is
 * masked with the config's secrets: a driver may echo a connection string.
 */
import { ConfigError } from '../config/errors.js';
import { SecretMask } from '../core/args/redact.js';
import { isOpsbotError } from '../core/errors.js';
import { StoreOpenError } from '../store/errors.js';

export interface FailureReport {
  /** Ready to write to stderr: ends with a newline. */
  readonly text: string;
  /** 2 for a config the operator must fix, 1 for anything else. */
  readonly exitCode: number;
}

/** Causes followed at most; a chain longer than this is cut (and a cycle cannot loop). */
const MAX_CAUSES = 8;

export function reportFailure(error: unknown, secrets: readonly string[]): FailureReport {
  const mask = new SecretMask(secrets);
  // Its message already names file, line, path and reason of every problem.
  if (error instanceof ConfigError) return { text: `${mask.text(error.message)}\n`, exitCode: 2 };
  const head = isForeseen(error) ? `opsbot: ${messageOf(error)}` : `opsbot: ${error instanceof Error ? (error.stack ?? messageOf(error)) : messageOf(error)}`;
  const lines = [head, ...causesOf(error).map((cause) => `  caused by: ${messageOf(cause)}`)];
  // A file the operator named (--out, --write) is shown as named, even under a `${VAR}` directory.
  const path = isSystemError(error) && typeof error.path === 'string' && error.path !== '' ? error.path : null;
  const masked = (line: string): string => (path === null ? mask.text(line) : line.split(path).map(mask.text).join(path));
  return { text: `${lines.map(masked).join('\n')}\n`, exitCode: 1 };
}

/** Failures whose own words say what to fix, so a stack would only bury them. */
function isForeseen(error: unknown): boolean {
  return isOpsbotError(error) || error instanceof StoreOpenError || isSystemError(error);
}

/** An operating system call that failed: EADDRINUSE from listen, ECONNREFUSED, ENOENT from a file. */
export function isSystemError(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string' && typeof (error as NodeJS.ErrnoException).syscall === 'string';
}

function causesOf(error: unknown): unknown[] {
  const causes: unknown[] = [];
  let current: unknown = error instanceof Error ? error.cause : undefined;
  while (current !== undefined && current !== null && causes.length < MAX_CAUSES && !causes.includes(current) && current !== error) {
    causes.push(current);
    current = current instanceof Error ? current.cause : undefined;
  }
  return causes;
}

/** One line: `connect ECONNREFUSED ::1:5432` rather than an empty AggregateError (Node tries each address). */
function messageOf(error: unknown): string {
  if (error instanceof AggregateError && error.message === '') {
    return error.errors.map((e) => messageOf(e)).join('; ');
  }
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    const text = error.message !== '' ? error.message : (typeof code === 'string' ? code : error.name);
    return oneLine(text);
  }
  return oneLine(String(error));
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
