/** Paths into ../shared (contracts and upstream fixtures), located from the repo root. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function sharedDir(): string {
  const candidates = [process.env.OPSBOT_SHARED_DIR, join(repoRoot, '..', 'shared')].filter((p): p is string => p !== undefined);
  const found = candidates.find((p) => existsSync(join(p, 'fixtures')));
  if (found === undefined) throw new Error(`../shared (contracts and fixtures) not found beside the repo (looked in ${candidates.join(', ')})`);
  return found;
}

export function readShared<T = unknown>(...parts: string[]): T {
  return JSON.parse(readFileSync(join(sharedDir(), ...parts), 'utf8')) as T;
}
