/** The PlaybooksPort over the catalog from the config and the ansible-playbook runner. */
import { existsSync } from 'node:fs';
import type { PlaybookRunRequest, PlaybooksPort } from '../../core/deploy/ports.js';
import { BackendError, NotFoundError } from '../../core/errors.js';
import type { PlaybooksConfig } from '../../config/deploy-types.js';
import type { AnsibleResult, AnsibleRunner } from './runner.js';

export interface PlaybooksPortOptions {
  /** Sees every spawned ansible-playbook (tests check its process group is gone after a cancel). */
  onSpawn?(pid: number): void;
}

/** The PlaybooksPort whose runs also return what the playbook reported (used by the ansible orchestrator). */
export interface AnsiblePlaybooksPort extends PlaybooksPort {
  run(request: PlaybookRunRequest): Promise<AnsibleResult>;
}

export function createPlaybooksPort(config: PlaybooksConfig, runner: AnsibleRunner, options: PlaybooksPortOptions = {}): AnsiblePlaybooksPort {
  const { catalog } = config;
  const all = Object.values(catalog.playbooks);
  return {
    catalog: () => all,
    get: (id) => (Object.hasOwn(catalog.playbooks, id) ? (catalog.playbooks[id] ?? null) : null),
    inventory: (id) => (Object.hasOwn(catalog.inventories, id) ? (catalog.inventories[id] ?? null) : null),
    async run(request: PlaybookRunRequest): Promise<AnsibleResult> {
      const playbook = Object.hasOwn(catalog.playbooks, request.playbook) ? catalog.playbooks[request.playbook] : undefined;
      if (playbook === undefined) throw new NotFoundError(`\`${request.playbook}\` is not in the playbook catalog.`);
      const inventory = catalog.inventories[playbook.inventory];
      if (inventory === undefined) throw new NotFoundError(`Inventory \`${playbook.inventory}\` is not in the playbook catalog.`);
      if (request.limit !== null && !inventory.hosts.includes(request.limit)) {
        throw new BackendError(`\`${request.limit}\` is not a host of inventory ${inventory.id}.`, 'ansible');
      }
      // After a repository sync the files may have moved: say which one is missing.
      for (const file of [playbook.file, inventory.file]) {
        if (!existsSync(file)) throw new BackendError(`${file} does not exist (is the playbook repository synced?).`, 'ansible');
      }
      return runner.run({
        playbookFile: playbook.file,
        inventoryFile: inventory.file,
        limit: request.limit,
        tags: playbook.tags,
        connection: request.connection,
        check: request.check,
        configVars: { ansible_python_interpreter: config.ansible.pythonInterpreter, ...config.vars },
        vars: request.vars,
        signal: request.signal,
        onEvent: (event) => request.onEvent(event),
        ...(options.onSpawn === undefined ? {} : { onSpawn: (pid: number) => options.onSpawn?.(pid) }),
      });
    },
  };
}
