/**
 * The deploy sections as loaded from a file that leaves them out: the shipped playbook catalog, no
 * SSH hosts, no stores. For code that builds an OpsbotConfig by hand (tests, benchmarks).
 */
import type { PlaybooksConfig, SshConfig, StoresConfig } from './deploy-types.js';
import { readEnvironment, type EnvVars } from './env.js';
import { playbooksSection } from './schema/playbooks.js';
import { sshSection } from './schema/ssh.js';

export function defaultDeployConfig(cwd: string = process.cwd(), env: EnvVars = process.env): { playbooks: PlaybooksConfig; ssh: SshConfig; stores: StoresConfig } {
  const ctx = { environment: readEnvironment(env), cwd };
  return { playbooks: playbooksSection.load(undefined, ctx), ssh: sshSection.load(undefined, ctx), stores: {} };
}
