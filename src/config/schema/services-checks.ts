/** Checks that span `services` and `playbooks`: an ansible orchestrator names catalogued playbooks and inventory hosts. */
import type { PlaybooksConfig } from '../deploy-types.js';
import type { ServicesConfig } from '../types.js';
import type { SectionProblem } from './section.js';

export function servicesCrossChecks(config: { readonly playbooks: PlaybooksConfig; readonly services: ServicesConfig }): SectionProblem[] {
  const problems: SectionProblem[] = [];
  const { catalog } = config.playbooks;
  const known = Object.keys(catalog.playbooks).join(', ');
  for (const [name, service] of Object.entries(config.services)) {
    for (const [env, e] of Object.entries(service.environments)) {
      const o = e.orchestrator;
      if (o.kind !== 'ansible') continue;
      const at = ['services', name, 'environments', env, 'ansible'];
      for (const [key, id] of [['playbook', o.playbook], ['statusPlaybook', o.statusPlaybook]] as const) {
        if (id === null) continue;
        const playbook = Object.hasOwn(catalog.playbooks, id) ? catalog.playbooks[id] : undefined;
        if (playbook === undefined) {
          problems.push({ path: [...at, key], reason: `is not in the playbook catalog ${catalog.file} (playbooks: ${known})` });
          continue;
        }
        const hosts = catalog.inventories[playbook.inventory]?.hosts ?? [];
        if (o.limit !== null && !hosts.includes(o.limit)) problems.push({ path: [...at, 'limit'], reason: `is not a host of inventory ${playbook.inventory} (hosts: ${hosts.join(', ')}), which ${id} runs against` });
      }
    }
  }
  return problems;
}
