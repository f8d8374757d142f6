/**
 * The README's command reference is generated from the command schemas; this fails when the two
 * drift. Fix: `npm run docs` (builds, then `opsbot docs --write README.md`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { builtinCommands } from '../../commands/index.js';
import { END_MARKER, START_MARKER, replaceReference } from '../../src/cli/docs.js';
import { assertBuilt, opsbot } from '../support/cli.js';
import { removeTempDirs, tempDir } from '../support/app.js';
import { repoRoot } from '../support/shared.js';

beforeAll(() => assertBuilt());

describe('README command reference', { timeout: 300_000 }, () => {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');

  it('has the generated section markers, in order', () => {
    expect(readme).toContain(START_MARKER);
    expect(readme).toContain(END_MARKER);
    expect(readme.indexOf(START_MARKER)).toBeLessThan(readme.indexOf(END_MARKER));
  });

  it('is exactly what `opsbot docs` generates (run `npm run docs` if not)', async () => {
    const result = await opsbot(['docs'], { dir: tempDir('opsbot-e2e-') });
    removeTempDirs();
    expect(result.exitCode).toBe(0);
    const generated = result.stdout.replace(/\n$/, '');
    expect(generated).toContain('### `help`');
    expect(replaceReference(readme, generated)).toBe(readme);
  });

  it('documents every built-in command', () => {
    const section = readme.slice(readme.indexOf(START_MARKER), readme.indexOf(END_MARKER));
    for (const command of builtinCommands) expect(section).toContain(`### \`${command.name}\``);
  });
});
