/** Builds the deploy ports from the config: one place that knows every deploy backend. */
import type { BuildPort, DeployPorts, DeployStateStore } from '../../core/deploy/ports.js';
import type { OpsbotConfig } from '../../config/types.js';
import type { Clock } from '../../core/clock.js';
import { createPlaybooksPort, type PlaybooksPortOptions } from '../ansible/playbooks.js';
import { AnsibleRunner } from '../ansible/runner.js';
import { noPipelines } from '../build/no-pipelines.js';
import { createRepoPort } from '../git/sync.js';
import { createHealthPort } from '../health/store-health.js';
import { createRemoteCommandPort } from '../ssh/client.js';
import { createTrafficPort } from '../traffic/router.js';
import { createStoresPort } from './stores.js';

export interface DeployWiring {
  readonly config: Pick<OpsbotConfig, 'playbooks' | 'ssh' | 'stores'>;
  readonly state: DeployStateStore;
  /** A pipeline backend for build steps; none until the pipelines capability provides one. */
  readonly build?: BuildPort;
  readonly playbooks?: PlaybooksPortOptions;
  /** Times how long `status` reuses a health probe. */
  readonly clock?: Clock;
}

export function createDeployPorts(wiring: DeployWiring): DeployPorts {
  const { playbooks, ssh, stores } = wiring.config;
  const remote = createRemoteCommandPort(ssh);
  return {
    stores: createStoresPort(stores),
    state: wiring.state,
    playbooks: createPlaybooksPort(playbooks, new AnsibleRunner(playbooks.ansible), wiring.playbooks ?? {}),
    repo: createRepoPort(playbooks.repo, playbooks.ansible.env),
    traffic: createTrafficPort(stores),
    health: createHealthPort(stores, remote, wiring.clock),
    remote,
    build: wiring.build ?? noPipelines,
  };
}
