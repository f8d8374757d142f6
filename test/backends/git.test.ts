/** The playbook repository sync against a real bare repository made in the test. */
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRepoPort, syncRepo } from '../../src/backends/git/sync.js';
import { BackendError } from '../../src/core/errors.js';
import { removeDir, tempDir } from '../deploy/support/servers.js';

const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' };
const never = new AbortController().signal;
let root: string;
let bare: string;
let work: string;

async function git(cwd: string, ...args: string[]): Promise<string> {
  return (await execa('git', args, { cwd, env, extendEnv: false })).stdout.trim();
}

async function commit(message: string): Promise<string> {
  appendFileSync(join(work, 'site.yml'), `# ${message}\n`);
  await git(work, 'add', '.');
  await git(work, 'commit', '-q', '-m', message);
  await git(work, 'push', '-q', 'origin', 'HEAD:main');
  return git(work, 'rev-parse', 'HEAD');
}

beforeEach(async () => {
  root = tempDir('opsbot-git-');
  bare = join(root, 'playbooks.git');
  work = join(root, 'author');
  await execa('git', ['init', '-q', '--bare', '-b', 'main', bare], { env, extendEnv: false });
  await execa('git', ['clone', '-q', bare, work], { env, extendEnv: false });
  writeFileSync(join(work, 'site.yml'), '- hosts: all\n');
});

afterEach(() => removeDir(root));

describe('playbook repository sync (simple-git, real repositories)', () => {
  it('clones when missing, pins a branch, fast-forwards to new commits and returns the commit', async () => {
    const first = await commit('first');
    const dir = join(root, 'checkout');
    const config = { url: bare, ref: 'main', dir };
    expect(await syncRepo(config, env, never)).toEqual({ commit: first, ref: 'main' });
    expect(existsSync(join(dir, 'site.yml'))).toBe(true);
    const second = await commit('second');
    expect(await syncRepo(config, env, never)).toEqual({ commit: second, ref: 'main' });
    expect(readFileSync(join(dir, 'site.yml'), 'utf8')).toContain('# second');
  });

  it('pins a tag', async () => {
    const tagged = await commit('release');
    await git(work, 'tag', 'v1.0');
    await git(work, 'push', '-q', 'origin', 'v1.0');
    await commit('after the tag');
    const result = await syncRepo({ url: bare, ref: 'v1.0', dir: join(root, 'checkout') }, env, never);
    expect(result).toEqual({ commit: tagged, ref: 'v1.0' });
  });

  it('refuses a dirty working copy and leaves it as it is', async () => {
    await commit('first');
    const dir = join(root, 'checkout');
    await syncRepo({ url: bare, ref: 'main', dir }, env, never);
    appendFileSync(join(dir, 'site.yml'), 'local edit\n');
    const error = await syncRepo({ url: bare, ref: 'main', dir }, env, never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as Error).message).toMatch(/has local changes \(site.yml\)/);
    expect(readFileSync(join(dir, 'site.yml'), 'utf8')).toContain('local edit');
  });

  it('refuses a diverged branch instead of merging', async () => {
    await commit('first');
    const dir = join(root, 'checkout');
    await syncRepo({ url: bare, ref: 'main', dir }, env, never);
    appendFileSync(join(dir, 'site.yml'), '# local commit\n');
    await git(dir, 'commit', '-q', '-am', 'local');
    const local = await git(dir, 'rev-parse', 'HEAD');
    await commit('upstream');
    const error = await syncRepo({ url: bare, ref: 'main', dir }, env, never).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/has 1 commit\(s\) that origin\/main does not: it has diverged/);
    expect(await git(dir, 'rev-parse', 'HEAD')).toBe(local);
  });

  it('refuses a ref that does not exist, and is a no-op without a repository', async () => {
    await commit('first');
    await expect(syncRepo({ url: bare, ref: 'nope', dir: join(root, 'checkout') }, env, never)).rejects.toThrow(/neither a tag nor a branch/);
    expect(await createRepoPort(null, env).sync(never)).toBeNull();
  });
});
