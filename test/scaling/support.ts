/** A Kubernetes API stand-in on the apps/v1 contract: one deployment whose replicas the tests steer. */
import { join } from 'node:path';
import type { KubernetesOrchestratorConfig, ServiceConfig } from '../../src/config/types.js';
import { startContractServer, type ContractServer } from '../support/contract/contract-server.js';
import { readShared, sharedDir } from '../support/shared.js';

export const kubernetesSpec = (): string => join(sharedDir(), 'contracts', 'kubernetes', 'apis__apps__v1_openapi.json');
export const K8S_TOKEN = 'k8s-service-account-token';

export interface FakeDeployment {
  desired: number;
  ready: number;
  /** How many replicas become ready per read until `desired` is reached; 0 = stuck. */
  readyStep: number;
  resourceVersion: number;
  /** An autoscaler (a HorizontalPodAutoscaler) that puts this count back right after each write. */
  autoscaledTo?: number;
}

export interface KubeStandIn {
  readonly server: ContractServer;
  readonly deployment: FakeDeployment;
}

export async function startKubeStandIn(initial: { desired: number; ready?: number; readyStep?: number }): Promise<KubeStandIn> {
  const deployment: FakeDeployment = { desired: initial.desired, ready: initial.ready ?? initial.desired, readyStep: initial.readyStep ?? 1, resourceVersion: 123456 };
  const example = readShared<Record<string, unknown> & { metadata: Record<string, unknown> }>('contracts', 'kubernetes', 'examples', 'scale.response.json');
  const server = await startContractServer({
    spec: kubernetesSpec(),
    authorize: (call) => (call.headers.authorization === `Bearer ${K8S_TOKEN}` ? null : 'expected the service account token'),
    handlers: {
      readAppsV1NamespacedDeployment: (call) => {
        // Pods come up a few per look, as a real rollout does.
        if (deployment.ready < deployment.desired) deployment.ready = Math.min(deployment.desired, deployment.ready + deployment.readyStep);
        if (deployment.ready > deployment.desired) deployment.ready = deployment.desired;
        return { status: 200, body: deploymentBody(call.params.name ?? '', call.params.namespace ?? '', deployment) };
      },
      readAppsV1NamespacedDeploymentScale: (call) => scaleReply(call.params.name ?? '', call.params.namespace ?? '', deployment),
      replaceAppsV1NamespacedDeploymentScale: (call) => {
        const body = call.body as { metadata?: { resourceVersion?: string }; spec?: { replicas?: number } };
        if (body.metadata?.resourceVersion !== String(deployment.resourceVersion)) {
          return { status: 409, body: { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'Operation cannot be fulfilled on deployments.apps "api": the object has been modified; please apply your changes to the latest version and try again', reason: 'Conflict', code: 409 } };
        }
        deployment.desired = body.spec?.replicas ?? deployment.desired;
        deployment.resourceVersion += 1;
        const reply = { status: 200, body: { ...example, metadata: { ...example.metadata, resourceVersion: String(deployment.resourceVersion) }, spec: { replicas: deployment.desired }, status: { replicas: deployment.ready, selector: 'app=api' } } };
        if (deployment.autoscaledTo !== undefined) {
          deployment.desired = deployment.autoscaledTo;
          deployment.resourceVersion += 1;
        }
        return reply;
      },
    },
  });
  return { server, deployment };
}

/** The deployment's Scale as the API answers a read of it: the published example with its counts. */
export function scaleReply(name: string, namespace: string, d: FakeDeployment): { status: number; body: unknown } {
  const example = readShared<Record<string, unknown> & { metadata: Record<string, unknown> }>('contracts', 'kubernetes', 'examples', 'scale.response.json');
  return {
    status: 200,
    body: {
      ...example,
      metadata: { ...example.metadata, name, namespace, resourceVersion: String(d.resourceVersion) },
      spec: { replicas: d.desired },
      status: { replicas: d.ready, selector: 'app=api' },
    },
  };
}

function deploymentBody(name: string, namespace: string, d: FakeDeployment) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, resourceVersion: String(d.resourceVersion) },
    spec: {
      replicas: d.desired,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image: `registry.example.invalid/${name}:1.4.2` }] } },
    },
    status: { replicas: d.desired, readyReplicas: d.ready, availableReplicas: d.ready, updatedReplicas: d.desired },
  };
}

export function kubeOrchestrator(server: string, overrides: Partial<KubernetesOrchestratorConfig> = {}): KubernetesOrchestratorConfig {
  return { kind: 'kubernetes', namespace: 'production', deployment: 'api', server, token: K8S_TOKEN, caFile: null, insecureSkipTlsVerify: false, kubeconfig: null, context: null, ...overrides };
}

export function kubeService(server: string, overrides: Partial<ServiceConfig> = {}): ServiceConfig {
  return {
    description: null,
    cooldown: 60_000,
    readyTimeout: 10_000,
    pollInterval: 5,
    defaultEnv: 'production',
    environments: {
      production: { min: 0, max: 8, orchestrator: kubeOrchestrator(server), orchestrators: 1 },
      staging: { min: 1, max: 3, orchestrator: kubeOrchestrator(server, { namespace: 'staging' }), orchestrators: 1 },
    },
    ...overrides,
  };
}
