/**
 * Runs the built CLI (`node dist/src/main.js …`) as a separate process, the way people and CI do:
 * argument arrays (no shell), a clean environment that points opsbot at a temp data dir, a temp
 * working directory, so a test never touches ./data or the developer's own config.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa, type Options } from 'execa';
import { repoRoot } from './shared.js';

export const MAIN = join(repoRoot, 'dist', 'src', 'main.js');

/** `npm test` builds before vitest runs; say so plainly when someone runs vitest alone. */
export function assertBuilt(): void {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first (npm test does it for you).`);
}

/** Variables that would point opsbot elsewhere than the test wants. */
const OURS = /^(OPSBOT_|LOG_LEVEL$|PORT$|HOST$|DATABASE_URL$|NODE_OPTIONS$|VITEST)/;

export function cleanEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !OURS.test(key)) env[key] = value;
  return { ...env, ...extra };
}

export interface CliOptions {
  /** The data dir (OPSBOT_DATA_DIR) and working directory of the process. */
  readonly dir: string;
  readonly env?: Record<string, string>;
  readonly input?: string;
}

/** Runs `opsbot <args…>` to completion; never rejects on a non-zero exit (tests assert the code). */
export function opsbot(args: readonly string[], options: CliOptions) {
  return execa(process.execPath, [MAIN, ...args], {
    cwd: options.dir,
    env: cleanEnv({ OPSBOT_DATA_DIR: options.dir, OPSBOT_INSTANCE: 'e2e-host', ...options.env }),
    extendEnv: false,
    reject: false,
    stripFinalNewline: false,
    timeout: 60_000,
    ...(options.input === undefined ? { stdin: 'ignore' } : { input: options.input }),
  } satisfies Options);
}

/** Starts `opsbot <args…>` and returns the running process (for `serve`). */
export function spawnOpsbot(args: readonly string[], options: CliOptions) {
  return execa(process.execPath, [MAIN, ...args], {
    cwd: options.dir,
    env: cleanEnv({ OPSBOT_DATA_DIR: options.dir, OPSBOT_INSTANCE: 'e2e-host', ...options.env }),
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
  });
}

/**
 * Writes `<dir>/opsbot.yaml` for `opsbot serve` on a loopback port (SQLite in the dir unless
 * `storage` says otherwise, a short shutdown grace, warnings and worse logged) with the given
 * sections, and returns its path.
 */
export function writeServeConfig(dir: string, port: number, sections: readonly string[], storage = 'storage: { engine: sqlite, path: ./opsbot.db }'): string {
  const file = join(dir, 'opsbot.yaml');
  const lines = [storage, `server: { port: ${port}, host: 127.0.0.1, shutdownGrace: 2s }`, 'log: { level: warn }', ...sections, ''];
  writeFileSync(file, lines.join('\n'));
  return file;
}

/** Test teardown: SIGTERM to a spawned opsbot still running, then its end (a no-op for null or one that exited). */
export async function stopOpsbot(child: ReturnType<typeof spawnOpsbot> | null): Promise<void> {
  if (child?.pid === undefined || child.exitCode !== null) return;
  process.kill(child.pid, 'SIGTERM');
  await child;
}
