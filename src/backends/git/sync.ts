/**
 * Keeps the playbook working copy on its pinned branch or tag: clone if missing, fetch, check out.
 * A dirty copy, or a branch with local commits the remote does not have, is an error: never a
 * silent merge or reset. Returns the commit that runs will use.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { SimpleGit } from 'simple-git';
import type { RepoPort } from '../../core/deploy/ports.js';
import { BackendError } from '../../core/errors.js';
import type { RepoConfig } from '../../config/deploy-types.js';

export function createRepoPort(config: RepoConfig | null, env: Readonly<Record<string, string>>): RepoPort {
  if (config === null) return { sync: () => Promise.resolve(null) };
  // One sync at a time: two jobs syncing one working copy would race on its index.
  let queue: Promise<unknown> = Promise.resolve();
  return {
    sync(signal) {
      const run = queue.then(() => syncRepo(config, env, signal));
      queue = run.catch(() => undefined);
      return run;
    },
  };
}

export async function syncRepo(config: RepoConfig, env: Readonly<Record<string, string>>, signal: AbortSignal): Promise<{ commit: string; ref: string }> {
  signal.throwIfAborted();
  const options = { abort: signal, config: [], unsafe: {} };
  // Loaded on first sync: a process without a playbook repository never pays for simple-git.
  const { simpleGit } = await import('simple-git');
  const git = (dir?: string): SimpleGit => simpleGit({ ...options, ...(dir === undefined ? {} : { baseDir: dir }) }).env({ ...env, GIT_TERMINAL_PROMPT: '0' });
  try {
    if (!existsSync(join(config.dir, '.git'))) {
      await mkdir(dirname(config.dir), { recursive: true });
      await git().clone(config.url, config.dir);
    }
    const repo = git(config.dir);
    const status = await repo.status();
    if (!status.isClean()) {
      const files = status.files.slice(0, 5).map((f) => f.path).join(', ');
      throw new BackendError(`The playbook working copy ${config.dir} has local changes (${files}); clean it up by hand, opsbot will not overwrite it.`, 'git');
    }
    await repo.fetch(['--prune', '--tags', '--force', 'origin']);
    const tags = await repo.tags();
    if (tags.all.includes(config.ref)) {
      await repo.checkout(['--detach', `refs/tags/${config.ref}`]);
    } else {
      const remoteRef = `origin/${config.ref}`;
      const remote = await revParse(repo, remoteRef);
      if (remote === null) throw new BackendError(`${config.ref} is neither a tag nor a branch of ${config.url}.`, 'git');
      const local = await revParse(repo, `refs/heads/${config.ref}`);
      if (local === null) {
        await repo.checkout(['-b', config.ref, '--track', remoteRef]);
      } else {
        const ahead = Number((await repo.raw(['rev-list', '--count', `${remoteRef}..refs/heads/${config.ref}`])).trim());
        if (ahead > 0) {
          throw new BackendError(`The playbook working copy's ${config.ref} has ${ahead} commit(s) that ${remoteRef} does not: it has diverged. Resolve it by hand; opsbot never merges.`, 'git');
        }
        await repo.checkout(config.ref);
        await repo.merge(['--ff-only', remoteRef]);
      }
    }
    const commit = (await repo.revparse(['HEAD'])).trim();
    return { commit, ref: config.ref };
  } catch (error: unknown) {
    if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : error;
    if (error instanceof BackendError) throw error;
    throw new BackendError(`git: ${error instanceof Error ? error.message.trim().split('\n')[0] : String(error)}`, 'git', { cause: error });
  }
}

async function revParse(repo: SimpleGit, ref: string): Promise<string | null> {
  try {
    return (await repo.raw(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`])).trim() || null;
  } catch {
    return null;
  }
}
