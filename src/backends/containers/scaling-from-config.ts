/** Builds the ScalingPort from the `services:` config: one orchestrator per service environment. */
import type { PlaybooksConfig } from '../../config/deploy-types.js';
import type { OrchestratorConfig, ServicesConfig } from '../../config/types.js';
import type { Clock } from '../../core/clock.js';
import type { Conversation, Principal } from '../../core/identity.js';
import type { Orchestrator, ScalingPort, ScalingStore } from '../../core/scaling/ports.js';
import { createScalingPort, type ConfiguredEnvironment, type ConfiguredService } from '../../core/scaling/scaling-port.js';
import { createPlaybooksPort, type AnsiblePlaybooksPort } from '../ansible/playbooks.js';
import { AnsibleRunner } from '../ansible/runner.js';
import { AnsibleOrchestrator } from './ansible.js';
import { ComposeOrchestrator } from './compose.js';
import { KubernetesOrchestrator } from './kubernetes.js';
import { SwarmOrchestrator } from './swarm.js';

export interface ScalingWiring {
  readonly services: ServicesConfig;
  readonly store: ScalingStore;
  readonly authorize: (principal: Principal, conversation: Conversation, permission: string) => void;
  /** The playbook catalog and ansible settings, for services scaled by a playbook (`ansible:`). */
  readonly playbooks?: PlaybooksConfig;
  /** Syncs the playbook repository (the deploy's RepoPort) before a playbook scales a service. */
  readonly syncPlaybooks?: (signal: AbortSignal) => Promise<unknown>;
  /** Times how long `status` reuses a replica read. */
  readonly clock?: Clock;
}

/** Where an orchestrator runs a service: needed by the ansible orchestrator, which passes both names. */
export interface OrchestratorContext {
  readonly service: string;
  readonly env: string;
  readonly playbooks: () => AnsiblePlaybooksPort;
  readonly syncPlaybooks?: (signal: AbortSignal) => Promise<unknown>;
}

export function orchestratorOf(config: OrchestratorConfig, context?: OrchestratorContext): Orchestrator {
  switch (config.kind) {
    case 'compose':
      return new ComposeOrchestrator(config);
    case 'swarm':
      return new SwarmOrchestrator(config);
    case 'kubernetes':
      return new KubernetesOrchestrator(config);
    case 'ansible': {
      if (context === undefined) throw new Error('an ansible orchestrator needs its service, environment and the playbooks config');
      const { service, env, syncPlaybooks } = context;
      return new AnsibleOrchestrator({ ...config, service, env }, { playbooks: context.playbooks(), ...(syncPlaybooks === undefined ? {} : { sync: syncPlaybooks }) });
    }
  }
}

export function createScalingPortFromConfig(wiring: ScalingWiring): ScalingPort {
  const services = new Map<string, ConfiguredService>();
  // One playbooks port for every ansible-scaled service, made only when one is configured.
  let playbooks: AnsiblePlaybooksPort | null = null;
  const playbooksPort = (): AnsiblePlaybooksPort => {
    if (wiring.playbooks === undefined) throw new Error('services scaled by a playbook need the playbooks config');
    playbooks ??= createPlaybooksPort(wiring.playbooks, new AnsibleRunner(wiring.playbooks.ansible));
    return playbooks;
  };
  for (const [name, s] of Object.entries(wiring.services)) {
    const environments = new Map<string, ConfiguredEnvironment>();
    for (const [env, e] of Object.entries(s.environments)) {
      const context: OrchestratorContext = { service: name, env, playbooks: playbooksPort, ...(wiring.syncPlaybooks === undefined ? {} : { syncPlaybooks: wiring.syncPlaybooks }) };
      environments.set(env, { min: e.min, max: e.max, orchestrator: orchestratorOf(e.orchestrator, context) });
    }
    services.set(name, { cooldownMs: s.cooldown, readyTimeoutMs: s.readyTimeout, pollIntervalMs: s.pollInterval, defaultEnv: s.defaultEnv, environments });
  }
  // A status read by playbook starts ansible-playbook (seconds, more on a busy host): give /status longer,
  // within the 30 s an inline command may take.
  const viaPlaybook = Object.values(wiring.services).some((s) => Object.values(s.environments).some((e) => e.orchestrator.kind === 'ansible'));
  return createScalingPort({
    services,
    store: wiring.store,
    authorize: wiring.authorize,
    ...(viaPlaybook ? { describeTimeoutMs: 25_000 } : {}),
    ...(wiring.clock === undefined ? {} : { clock: wiring.clock }),
  });
}
