/**
 * The demo config ships as YAML in the source tree (tsc does not copy it to dist), so it is found
 * from the package root, which works from src (vitest, tsx) and from dist/src/config alike.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = 'opsbot';

export function demoConfigPath(): string {
  return join(packageRoot(dirname(fileURLToPath(import.meta.url))), 'src', 'config', 'demo', 'opsbot.yaml');
}

/** The nearest directory at or above `start` whose package.json is named opsbot. */
export function packageRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (isOpsbotPackage(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`cannot find the ${PACKAGE_NAME} package root above ${start}`);
  }
}

function isOpsbotPackage(file: string): boolean {
  if (!existsSync(file)) return false;
  try {
    const manifest: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return typeof manifest === 'object' && manifest !== null && 'name' in manifest && manifest.name === PACKAGE_NAME;
  } catch {
    // An unreadable or invalid package.json (a fixture, a half-written file) is not ours; keep looking.
    return false;
  }
}
