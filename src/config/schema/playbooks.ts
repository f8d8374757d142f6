/**
 * `playbooks:` where the catalog is, where the playbook files are (optionally a git working copy
 * synced to a pinned ref before each run), fixed extra vars, and how ansible-playbook is run.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Type } from '@sinclair/typebox';
import { packageRoot } from '../demo-path.js';
import type { PlaybooksConfig, VaultConfig } from '../deploy-types.js';
import { ConfigError } from '../errors.js';
import { Duration, durationMs } from './duration.js';
import { absolute, catalogDir, loadCatalog, VAR_NAME_PATTERN, VarValueSchema } from './playbook-catalog.js';
import { KeyedMap } from './primitives.js';
import { defineSection, type SectionProblem } from './section.js';

const ENV_NAME = '^[A-Za-z_][A-Za-z0-9_]*$';
/** What ansible-playbook inherits from opsbot's environment unless the config says otherwise. */
export const DEFAULT_PASS_ENV = ['PATH', 'HOME', 'USER', 'LOGNAME', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TMPDIR', 'SSH_AUTH_SOCK'] as const;
const DEFAULTS = { binary: 'ansible-playbook', pythonInterpreter: '/usr/bin/python3', killGrace: '5s' } as const;

const PlaybooksSchema = Type.Object(
  {
    catalog: Type.Optional(Type.String({ minLength: 1, description: 'The playbook catalog (id → file, variables and types, inventory, permission). Default: the catalog shipped with opsbot.' })),
    dir: Type.Optional(Type.String({ minLength: 1, description: "Where the catalog's playbook and inventory files are. Default: repo.dir when a repository is set, else the catalog's directory." })),
    vars: Type.Optional(KeyedMap(Type.String({ pattern: VAR_NAME_PATTERN }), VarValueSchema(), { default: {}, description: 'Extra vars passed to every run (the run\'s own variables are added to them).' })),
    repo: Type.Optional(
      Type.Object(
        {
          url: Type.String({ minLength: 1, description: 'The playbook repository (any URL git understands).' }),
          ref: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$', description: 'The branch or tag runs are pinned to.' }),
          dir: Type.String({ minLength: 1, description: 'The working copy (cloned on first use). A dirty or diverged copy stops every run.' }),
        },
        { additionalProperties: false, description: 'Synced with git before each run; the commit is recorded with the job.' },
      ),
    ),
    ansible: Type.Optional(
      Type.Object(
        {
          binary: Type.Optional(Type.String({ minLength: 1, default: DEFAULTS.binary })),
          pythonInterpreter: Type.Optional(Type.String({ pattern: '^/', default: DEFAULTS.pythonInterpreter, description: 'ansible_python_interpreter for every host.' })),
          passEnv: Type.Optional(Type.Array(Type.String({ pattern: ENV_NAME }), { default: [...DEFAULT_PASS_ENV], description: 'The only variables of opsbot\'s environment ansible-playbook gets.' })),
          env: Type.Optional(KeyedMap(Type.String({ pattern: ENV_NAME }), Type.String(), { default: {}, description: 'Fixed variables for ansible-playbook, e.g. ANSIBLE_SSH_ARGS.' })),
          vault: Type.Optional(
            Type.Object(
              {
                passwordFile: Type.Optional(Type.String({ minLength: 1, description: 'File holding the vault password.' })),
                passwordEnv: Type.Optional(Type.String({ pattern: ENV_NAME, description: 'Environment variable holding the vault password.' })),
              },
              { additionalProperties: false, minProperties: 1, maxProperties: 1, description: 'One of passwordFile or passwordEnv. The password is never logged or put on a command line.' },
            ),
          ),
          killGrace: Type.Optional(Duration({ default: DEFAULTS.killGrace, description: 'On cancel: time between SIGTERM and SIGKILL to the whole process group.' })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false, title: 'Playbooks', description: 'The playbook catalog and how ansible-playbook runs.' },
);

/** The catalog shipped with opsbot: <package root>/playbooks/catalog.yaml. */
export function shippedCatalog(): string {
  return join(packageRoot(dirname(fileURLToPath(import.meta.url))), 'playbooks', 'catalog.yaml');
}

export const playbooksSection = defineSection({
  schema: PlaybooksSchema,
  load(raw, ctx): PlaybooksConfig {
    const catalogFile = raw?.catalog === undefined ? shippedCatalog() : absolute(ctx.cwd, raw.catalog);
    const repo = raw?.repo === undefined ? null : { url: raw.repo.url, ref: raw.repo.ref, dir: absolute(ctx.cwd, raw.repo.dir) };
    const dir = raw?.dir !== undefined ? absolute(ctx.cwd, raw.dir) : repo !== null ? repo.dir : catalogDir(catalogFile);
    const ansible = raw?.ansible;
    const env: Record<string, string> = {};
    for (const name of ansible?.passEnv ?? DEFAULT_PASS_ENV) {
      const value = ctx.environment.variables[name];
      if (value !== undefined && value !== '') env[name] = value;
    }
    Object.assign(env, ansible?.env ?? {});
    let vault: VaultConfig | null = null;
    if (ansible?.vault?.passwordFile !== undefined) vault = { kind: 'file', file: absolute(ctx.cwd, ansible.vault.passwordFile) };
    else if (ansible?.vault?.passwordEnv !== undefined) {
      const variable = ansible.vault.passwordEnv;
      const password = ctx.environment.variables[variable] ?? '';
      if (password === '') throw new ConfigError([{ source: 'environment', path: variable, reason: 'is not set, but playbooks.ansible.vault.passwordEnv names it' }]);
      vault = { kind: 'env', variable, password };
    }
    return {
      catalog: loadCatalog(catalogFile, dir, repo === null),
      vars: raw?.vars ?? {},
      repo,
      ansible: {
        binary: ansible?.binary ?? DEFAULTS.binary,
        pythonInterpreter: ansible?.pythonInterpreter ?? DEFAULTS.pythonInterpreter,
        env,
        vault,
        killGrace: durationMs(ansible?.killGrace ?? DEFAULTS.killGrace),
        workdir: ctx.cwd,
      },
    };
  },
  check(loaded): SectionProblem[] {
    const problems: SectionProblem[] = [];
    if (loaded.ansible.vault?.kind === 'file' && loaded.ansible.vault.file === '') problems.push({ path: ['ansible', 'vault', 'passwordFile'], reason: 'must not be empty' });
    for (const reserved of ['ANSIBLE_STDOUT_CALLBACK', 'ANSIBLE_VAULT_PASSWORD_FILE']) {
      if (Object.hasOwn(loaded.ansible.env, reserved)) problems.push({ path: ['ansible', 'env', reserved], reason: 'is set by opsbot itself' });
    }
    return problems;
  },
});
