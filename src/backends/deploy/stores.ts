/** The StoresPort: the `stores` config as the core's StoreSpec. */
import type { StoresPort } from '../../core/deploy/ports.js';
import type { StoreSpec } from '../../core/deploy/types.js';
import type { StoresConfig } from '../../config/deploy-types.js';
import { describeTraffic } from '../traffic/router.js';

export function createStoresPort(stores: StoresConfig): StoresPort {
  const specs: StoreSpec[] = Object.entries(stores)
    .map(([name, s]) => ({
      name,
      env: s.env,
      playbook: s.playbook,
      limit: s.limit,
      connection: s.connection,
      vars: s.vars,
      defaultVersion: s.defaultVersion,
      build: s.build,
      approval: s.approval,
      traffic: describeTraffic(s.traffic),
      frontend: s.health.frontend,
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
  const byName = new Map(specs.map((s) => [s.name, s]));
  return { list: () => specs, get: (name) => byName.get(name) ?? null };
}
