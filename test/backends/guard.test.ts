/** The playbook guard passes on how its program ended, as the ansible runner reads a run without it. */
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { GUARD_NOT_FOUND, guardedCommand } from '../../src/backends/process/guard.js';

async function underGuard(file: string, args: readonly string[]): Promise<{ exitCode: number | undefined; stderr: string }> {
  const guarded = guardedCommand(file, args, 1_000);
  // The lifeline stays open while the program runs, as the runner keeps it.
  const { exitCode, stderr } = await execa(guarded.file, guarded.args, { reject: false, stdin: 'pipe' });
  return { exitCode, stderr };
}

describe('the playbook guard', () => {
  it('exits with the program\'s code, 128 + the signal that ended it, 127 when it cannot be found and 126 when it cannot run', async () => {
    expect(await underGuard('/bin/sh', ['-c', 'exit 3'])).toEqual({ exitCode: 3, stderr: '' });
    expect((await underGuard('/bin/sh', ['-c', 'kill -TERM $$'])).exitCode).toBe(143);
    const missing = await underGuard('/nonexistent/ansible-playbook', ['site.yml']);
    expect(missing.exitCode).toBe(GUARD_NOT_FOUND);
    expect(missing.stderr).toMatch(/^\/nonexistent\/ansible-playbook: .*ENOENT/);
    expect((await underGuard('/etc/passwd', [])).exitCode).toBe(126);
  });

  it('passes arguments through as they are, never through a shell', async () => {
    const { stderr } = await underGuard('/bin/sh', ['-c', 'printf "%s|" "$@" >&2', 'sh', '$(touch /tmp/no)', "a b; c", '*']);
    expect(stderr).toBe('$(touch /tmp/no)|a b; c|*|');
  });
});
