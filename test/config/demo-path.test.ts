import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { demoConfigPath, packageRoot } from '../../src/config/demo-path.js';
import { tempDir } from './fixtures.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/u, '');

describe('demoConfigPath', () => {
  it('points at the shipped demo YAML from the package root', () => {
    expect(demoConfigPath()).toBe(join(repoRoot, 'src/config/demo/opsbot.yaml'));
    expect(existsSync(demoConfigPath())).toBe(true);
  });
});

describe('packageRoot', () => {
  it('walks up past other packages to the one named opsbot (as from dist/src/config)', () => {
    const root = tempDir();
    writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'opsbot' }));
    const nested = join(root, 'dist', 'src', 'config');
    mkdirSync(nested, { recursive: true });
    writeFileSync(join(root, 'dist', 'package.json'), JSON.stringify({ name: 'something-else' }));
    writeFileSync(join(root, 'dist', 'src', 'package.json'), '{ not json');
    expect(packageRoot(nested)).toBe(root);
  });

  it('fails clearly outside the package', () => {
    const dir = tempDir();
    expect(() => packageRoot(dir)).toThrow(`cannot find the opsbot package root above ${dir}`);
  });
});
