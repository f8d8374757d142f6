/** Checks that span the deploy sections: stores name catalogued playbooks, inventory hosts and SSH commands. */
import type { PlaybooksConfig, SshConfig, StoresConfig } from '../deploy-types.js';
import type { SectionProblem } from './section.js';

export function deployCrossChecks(config: { readonly playbooks: PlaybooksConfig; readonly stores: StoresConfig; readonly ssh: SshConfig }): SectionProblem[] {
  const problems: SectionProblem[] = [];
  const { catalog } = config.playbooks;
  for (const [name, store] of Object.entries(config.stores)) {
    const at = ['stores', name];
    const playbook = catalog.playbooks[store.playbook];
    if (playbook === undefined) {
      problems.push({ path: [...at, 'playbook'], reason: `is not in the playbook catalog ${catalog.file} (playbooks: ${Object.keys(catalog.playbooks).join(', ')})` });
    } else {
      for (const needed of ['colour', 'version']) {
        if (!Object.hasOwn(playbook.vars, needed)) problems.push({ path: [...at, 'playbook'], reason: `playbook ${store.playbook} must declare the variable ${needed} to deploy a colour` });
      }
      const hosts = catalog.inventories[playbook.inventory]?.hosts ?? [];
      if (store.limit !== null && !hosts.includes(store.limit)) problems.push({ path: [...at, 'limit'], reason: `is not a host of inventory ${playbook.inventory} (hosts: ${hosts.join(', ')})` });
    }
    for (const colour of ['blue', 'green'] as const) {
      const target = store.health.targets[colour];
      if (target.kind !== 'ssh') continue;
      if (!Object.hasOwn(config.ssh.hosts, target.host)) problems.push({ path: [...at, 'health', colour, 'ssh', 'host'], reason: 'is not a host in ssh.hosts' });
      if (!Object.hasOwn(config.ssh.commands, target.command)) problems.push({ path: [...at, 'health', colour, 'ssh', 'command'], reason: 'is not a command in ssh.commands' });
    }
  }
  return problems;
}
