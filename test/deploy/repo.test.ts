/**
 * Playbooks from a git repository, end to end: `run` syncs the working copy to the pinned branch
 * before ansible starts and records the commit with the job and its audit; a dirty copy stops the
 * run before any playbook starts.
 */
import { appendFileSync, cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/shared.js';
import { ACCESS, startDeployApp, type DeployApp } from './support/app.js';
import { removeDir, tempDir } from './support/servers.js';

const gitEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' };
let dir: string;
let bot: DeployApp;
let commit: string;
const runs: string[] = [];

const git = async (cwd: string, ...args: string[]) => (await execa('git', args, { cwd, env: gitEnv, extendEnv: false })).stdout.trim();

beforeAll(async () => {
  dir = tempDir('opsbot-repo-');
  const author = join(dir, 'author');
  await execa('git', ['init', '-q', '--bare', '-b', 'main', join(dir, 'playbooks.git')], { env: gitEnv, extendEnv: false });
  await execa('git', ['clone', '-q', join(dir, 'playbooks.git'), author], { env: gitEnv, extendEnv: false });
  cpSync(join(repoRoot, 'playbooks'), author, { recursive: true });
  await git(author, 'add', '.');
  await git(author, 'commit', '-q', '-m', 'playbooks');
  await git(author, 'push', '-q', 'origin', 'HEAD:main');
  commit = await git(author, 'rev-parse', 'HEAD');
  // The catalog stays with opsbot's config; the playbook files come from the repository.
  mkdirSync(join(dir, 'config'));
  cpSync(join(repoRoot, 'playbooks', 'catalog.yaml'), join(dir, 'config', 'catalog.yaml'));
  bot = await startDeployApp(
    dir,
    `
storage: { engine: sqlite, path: ./opsbot.db }
${ACCESS}
playbooks:
  catalog: config/catalog.yaml
  repo: { url: ${join(dir, 'playbooks.git')}, ref: main, dir: ./checkout }
  vars: { app_root: ./app }
`,
    {
      wrap: (ports) => ({
        ...ports,
        playbooks: { ...ports.playbooks, catalog: () => ports.playbooks.catalog(), get: (id) => ports.playbooks.get(id), inventory: (id) => ports.playbooks.inventory(id), run: (r) => (runs.push(r.playbook), ports.playbooks.run(r)) },
      }),
    },
  );
});

afterAll(async () => {
  await bot.close();
  removeDir(dir);
});

describe('playbooks from a git repository', { timeout: 120_000 }, () => {
  it('clones the pinned branch before the run and records the commit with the job and the audit', async () => {
    const { job } = await bot.job('run backup label=fromgit');
    expect(job.state).toBe('succeeded');
    expect(job.refs.commit).toBe(commit);
    const finished = (await bot.app.store.audit.recent(20)).find((a) => a.event === 'job_finished' && a.jobId === job.id);
    expect(finished?.refs.commit).toBe(commit);
    expect(runs).toEqual(['backup']);
  });

  it('stops before ansible when the working copy was edited by hand', async () => {
    runs.length = 0;
    appendFileSync(join(dir, 'checkout', 'backup.yml'), '# edited on the server\n');
    writeFileSync(join(dir, 'checkout', 'stray.yml'), '- hosts: all\n');
    const { job } = await bot.job('run backup');
    expect(job.state).toBe('failed');
    expect(job.error).toMatch(/has local changes \(.*backup\.yml.*\); clean it up by hand, opsbot will not overwrite it\./);
    expect(runs).toEqual([]);
  });
});
