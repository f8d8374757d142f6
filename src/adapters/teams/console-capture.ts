/**
 * botbuilder reports to the console: CloudAdapter prints the error of every refused or failed
 * request, and its token check prints expired tokens and the public key a bad signature was checked
 * with. That output bypasses opsbot's structured log, and anyone who can reach `/api/messages` could
 * fill stderr with it. So while botbuilder handles a request, whatever it prints goes to that
 * request's sink instead (the route logs it), and console calls made anywhere else are untouched.
 *
 * The console methods are wrapped once per process; an AsyncLocalStorage scope says whose request a
 * call belongs to, so concurrent requests and unrelated code never see each other's output. Work a
 * request starts (a job) keeps the scope after the request ends: from then on it prints as usual.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export type ConsoleLevel = 'error' | 'warn' | 'info' | 'log' | 'debug' | 'trace';

/** What botbuilder printed during one request, in order. */
export interface ConsoleLine {
  readonly level: ConsoleLevel;
  readonly args: readonly unknown[];
}

const LEVELS: readonly ConsoleLevel[] = ['error', 'warn', 'info', 'log', 'debug', 'trace'];
const WRAPPED = Symbol.for('opsbot.console-capture');

type ConsoleLike = Record<ConsoleLevel, (...args: unknown[]) => void>;

interface Sink {
  readonly lines: ConsoleLine[];
  open: boolean;
}

const scope = new AsyncLocalStorage<Sink>();

/** Wraps `target`'s methods (once) so calls inside {@link capturingConsole} are kept, not printed. */
export function routeConsoleToScope(target: ConsoleLike = console): void {
  const marked = target as ConsoleLike & { [WRAPPED]?: true };
  if (marked[WRAPPED] === true) return;
  for (const level of LEVELS) {
    const original = target[level];
    target[level] = function scoped(this: unknown, ...args: unknown[]): void {
      const sink = scope.getStore();
      if (sink === undefined || !sink.open) original.apply(this, args);
      else sink.lines.push({ level, args });
    };
  }
  marked[WRAPPED] = true;
}

/** Runs `work`, appending to `lines` what it prints through a wrapped console until it settles. */
export async function capturingConsole<T>(lines: ConsoleLine[], work: () => Promise<T>): Promise<T> {
  const sink: Sink = { lines, open: true };
  try {
    return await scope.run(sink, work);
  } finally {
    sink.open = false;
  }
}

/** One log-friendly string per line: an Error is its message, anything else as printed. */
export function describeConsoleLine(line: ConsoleLine): string {
  return line.args.map((arg) => (arg instanceof Error ? `${arg.name}: ${arg.message}` : typeof arg === 'string' ? arg : String(arg))).join(' ');
}
