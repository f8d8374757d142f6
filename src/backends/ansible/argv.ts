/**
 * The ansible-playbook command line, as an argument array. Every value comes from the catalog or the
 * config (file, inventory, tags) or was validated against it (limit, vars); the variables travel as
 * one JSON document after `-e`, so no value is ever parsed as `key=value` or `@file` by ansible.
 */
import type { VarValue, VarValues } from '../../core/deploy/types.js';

export interface AnsibleInvocation {
  readonly playbookFile: string;
  readonly inventoryFile: string;
  readonly limit: string | null;
  readonly tags: readonly string[];
  /** The config's own variables (`playbooks.vars`): the operator's, templated as Ansible does. */
  readonly configVars: VarValues;
  /**
   * The run's variables: typed in chat, a catalog default, or set by the orchestration (colour,
   * version). Literal text: Ansible never evaluates `{{ … }}` in them (see `literal`).
   */
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
  const vars: Record<string, unknown> = { ...inv.configVars };
  for (const [name, value] of Object.entries(inv.vars)) vars[name] = literal(value);
  argv.push('--extra-vars', JSON.stringify(vars));
  if (inv.check) argv.push('--check', '--diff');
  if (inv.vaultPasswordFile !== null) argv.push('--vault-password-file', inv.vaultPasswordFile);
  // `--` ends the options: the playbook path can never be read as one.
  argv.push('--', inv.playbookFile);
  return argv;
}

/**
 * Ansible templates every string variable it reads: `{{ lookup('pipe', 'id') }}` in a value runs a
 * command on this host, whatever the playbook does with it. A catalog pattern that admits free text
 * would let chat do that. Ansible's JSON reader takes `{"__ansible_unsafe": "…"}` as a string marked
 * unsafe (the `!unsafe` of YAML), which it never templates. Numbers and booleans are never templated.
 */
function literal(value: VarValue): unknown {
  return typeof value === 'string' ? { __ansible_unsafe: value } : value;
}
