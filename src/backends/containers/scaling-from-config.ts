/** Builds the ScalingPort from the `services:` config: one orchestrator per service environment. */
import type { OrchestratorConfig, ServicesConfig } from '../../config/types.js';
import type { Conversation, Principal } from '../../core/identity.js';
import type { Orchestrator, ScalingPort, ScalingStore } from '../../core/scaling/ports.js';
import { createScalingPort, type ConfiguredEnvironment, type ConfiguredService } from '../../core/scaling/scaling-port.js';
import { ComposeOrchestrator } from './compose.js';
import { KubernetesOrchestrator } from './kubernetes.js';
import { SwarmOrchestrator } from './swarm.js';

export interface ScalingWiring {
  readonly services: ServicesConfig;
  readonly store: ScalingStore;
  readonly authorize: (principal: Principal, conversation: Conversation, permission: string) => void;
}

export function orchestratorOf(config: OrchestratorConfig): Orchestrator {
  switch (config.kind) {
    case 'compose':
      return new ComposeOrchestrator(config);
    case 'swarm':
      return new SwarmOrchestrator(config);
    case 'kubernetes':
      return new KubernetesOrchestrator(config);
  }
}

export function createScalingPortFromConfig(wiring: ScalingWiring): ScalingPort {
  const services = new Map<string, ConfiguredService>();
  for (const [name, s] of Object.entries(wiring.services)) {
    const environments = new Map<string, ConfiguredEnvironment>();
    for (const [env, e] of Object.entries(s.environments)) environments.set(env, { min: e.min, max: e.max, orchestrator: orchestratorOf(e.orchestrator) });
    services.set(name, { cooldownMs: s.cooldown, readyTimeoutMs: s.readyTimeout, pollIntervalMs: s.pollInterval, defaultEnv: s.defaultEnv, environments });
  }
  return createScalingPort({ services, store: wiring.store, authorize: wiring.authorize });
}
