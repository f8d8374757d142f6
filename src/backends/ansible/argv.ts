/**
 * The ansible-playbook command line, as an argument array. Every value comes from the catalog or the
 * config (file, inventory, tags) or was validated against it (limit, vars); the variables travel as
 * one JSON document after `-e`, so no value is ever parsed as `key=value` or `@file` by ansible.
 */
import type { VarValues } from '../../core/deploy/types.js';

export interface AnsibleInvocation {
  readonly playbookFile: string;
  readonly inventoryFile: string;
  readonly limit: string | null;
  readonly tags: readonly string[];
  readonly vars: VarValues;
  readonly check: boolean;
  readonly connection: 'local' | 'ssh' | null;
  readonly vaultPasswordFile: string | null;
}

export function ansibleArgv(inv: AnsibleInvocation): string[] {
  const argv = ['-i', inv.inventoryFile];
  if (inv.limit !== null) argv.push('--limit', inv.limit);
  if (inv.tags.length > 0) argv.push('--tags', inv.tags.join(','));
  if (inv.connection !== null) argv.push('--connection', inv.connection);
  argv.push('--extra-vars', JSON.stringify(inv.vars));
  if (inv.check) argv.push('--check', '--diff');
  if (inv.vaultPasswordFile !== null) argv.push('--vault-password-file', inv.vaultPasswordFile);
  // `--` ends the options: the playbook path can never be read as one.
  argv.push('--', inv.playbookFile);
  return argv;
}
