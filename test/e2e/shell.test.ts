/** `opsbot shell` as a process, fed lines on stdin like a person typing in a channel. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, opsbot } from '../support/cli.js';
import { removeTempDirs, tempDir } from '../support/app.js';

beforeAll(() => assertBuilt());
afterAll(() => removeTempDirs());

describe('opsbot shell', { timeout: 300_000 }, () => {
  it('answers each line in order and stops at `exit`', async () => {
    const dir = tempDir('opsbot-e2e-');
    const result = await opsbot(['shell'], { dir, input: 'help\nlock web\njobs\nexit\nlock demo\n' });
    expect(result.exitCode).toBe(0);
    const out = result.stdout;
    expect(out).toContain('opsbot shell — you are shell:local in shell:local.');
    const help = out.indexOf('Type `help <command>` for details.');
    const frozen = out.indexOf('`web` is frozen.');
    const jobs = out.search(/1 +succeeded +lock web /);
    expect(help).toBeGreaterThan(0);
    expect(frozen).toBeGreaterThan(help);
    expect(jobs).toBeGreaterThan(frozen);
    // Nothing after `exit` ran.
    expect(out).not.toContain('`demo` is frozen');
    const locks = await opsbot(['run', 'lock'], { dir });
    expect(locks.stdout).toMatch(/^web +/m);
    expect(locks.stdout).not.toMatch(/^demo +/m);
  });

  it('keeps going after errors and ends cleanly at the end of input', async () => {
    const dir = tempDir('opsbot-e2e-');
    const result = await opsbot(['shell', '--as', 'guest', '--channel', 'guest-room'], { dir, input: 'unlok\nlock x\n\nwhoami\n' });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('you are shell:guest in shell:guest-room');
    expect(result.stdout).toContain('Unknown command `unlok`. Did you mean `unlock`?');
    expect(result.stdout).toContain('`lock` is not enabled in this channel');
    expect(result.stdout).toContain('Roles: viewer');
    expect(result.stderr).toBe('');
  });
});
