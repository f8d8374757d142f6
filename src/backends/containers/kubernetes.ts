/**
 * A Kubernetes deployment, scaled through its `scale` subresource: read the Scale, then replace it
 * (PUT) with the new `spec.replicas` and the resourceVersion just read, so a concurrent change (an
 * autoscaler, a person) makes the API answer 409 instead of being overwritten. Ready replicas come
 * from the deployment's status.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { BackendError, ConflictError } from '../../core/errors.js';
import type { Orchestrator, ReplicaCount } from '../../core/scaling/ports.js';
import { shapeCheck } from '../../json-shape.js';
import { checkedReply } from '../json-reply.js';
import { connectionFromKubeconfig, KubeClient, statusMessage, type KubeReply } from './kube-client.js';

export interface KubernetesSettings {
  readonly namespace: string;
  readonly deployment: string;
  readonly server: string | null;
  readonly token: string | null;
  readonly caFile: string | null;
  readonly insecureSkipTlsVerify: boolean;
  readonly kubeconfig: string | null;
  readonly context: string | null;
  readonly requestTimeoutMs?: number;
}

const REPLICAS = Type.Optional(Type.Integer({ minimum: 0 }));

/** The Scale subresource (autoscaling/v1), as read back and sent again with the new count. */
const SCALE = Type.Object({
  apiVersion: Type.Optional(Type.String()),
  kind: Type.Optional(Type.String()),
  metadata: Type.Optional(Type.Object({ resourceVersion: Type.Optional(Type.String()) })),
  spec: Type.Optional(Type.Object({ replicas: REPLICAS })),
  status: Type.Optional(Type.Object({ replicas: REPLICAS })),
});

/** The part of a Deployment (apps/v1) opsbot reads. */
const DEPLOYMENT = Type.Object({
  spec: Type.Optional(Type.Object({ replicas: REPLICAS })),
  status: Type.Optional(Type.Object({ readyReplicas: REPLICAS })),
});

const scaleShape = shapeCheck(SCALE);
const deploymentShape = shapeCheck(DEPLOYMENT);

export class KubernetesOrchestrator implements Orchestrator {
  readonly kind = 'kubernetes' as const;
  readonly target: string;
  private client: KubeClient | null = null;

  constructor(private readonly settings: KubernetesSettings) {
    this.target = `Kubernetes deployment ${settings.namespace}/${settings.deployment}${settings.server === null ? '' : ` on ${settings.server}`}`;
  }

  async read(signal: AbortSignal): Promise<ReplicaCount> {
    const what = `deployment ${this.name()}`;
    const deployment = checkedReply(deploymentShape, await this.call('GET', this.path(''), undefined, what, signal), 'Kubernetes', 'kubernetes', what);
    return { desired: deployment.spec?.replicas ?? 1, ready: deployment.status?.readyReplicas ?? 0 };
  }

  async scale(replicas: number, expected: number, signal: AbortSignal): Promise<void> {
    const what = `the scale of ${this.name()}`;
    const current = checkedReply(scaleShape, await this.call('GET', this.path('/scale'), undefined, what, signal), 'Kubernetes', 'kubernetes', what);
    const now = current.spec?.replicas ?? 0;
    if (now !== expected) throw new ConflictError(`${this.name()} changed meanwhile (it now wants ${now} replicas, not ${expected}); look again and retry.`);
    const body = {
      apiVersion: current.apiVersion ?? 'autoscaling/v1',
      kind: current.kind ?? 'Scale',
      metadata: { name: this.settings.deployment, namespace: this.settings.namespace, ...(current.metadata?.resourceVersion === undefined ? {} : { resourceVersion: current.metadata.resourceVersion }) },
      spec: { replicas },
    };
    await this.call('PUT', this.path('/scale'), body, `updating ${what}`, signal);
  }

  private name(): string {
    return `${this.settings.namespace}/${this.settings.deployment}`;
  }

  private path(sub: string): string {
    return `apis/apps/v1/namespaces/${encodeURIComponent(this.settings.namespace)}/deployments/${encodeURIComponent(this.settings.deployment)}${sub}`;
  }

  private connect(): KubeClient {
    if (this.client !== null) return this.client;
    const s = this.settings;
    const connection =
      s.server !== null && s.token !== null
        ? { server: s.server, token: s.token, ca: s.caFile === null ? null : readFileSync(s.caFile, 'utf8'), cert: null, key: null, insecureSkipTlsVerify: s.insecureSkipTlsVerify }
        : connectionFromKubeconfig(s.kubeconfig ?? join(homedir(), '.kube', 'config'), s.context);
    this.client = new KubeClient(connection, s.requestTimeoutMs ?? 30_000);
    return this.client;
  }

  private async call(method: 'GET' | 'PUT', path: string, body: unknown, what: string, signal: AbortSignal): Promise<unknown> {
    let reply: KubeReply;
    try {
      reply = await this.connect().request(method, path, body, signal);
    } catch (error: unknown) {
      if (signal.aborted || error instanceof BackendError) throw error;
      // Reading the CA or kubeconfig failed.
      throw new BackendError(`Cannot set up the Kubernetes connection for ${what}: ${error instanceof Error ? error.message : String(error)}`, 'kubernetes', { cause: error });
    }
    if (reply.status >= 200 && reply.status < 300) return reply.body;
    const said = statusMessage(reply.body);
    if (reply.status === 409) throw new ConflictError(`Kubernetes refused ${what}: it changed meanwhile (409): ${said}`);
    if (reply.status === 401) throw new BackendError(`Kubernetes refused the credentials (401) for ${what}: ${said}`, 'kubernetes');
    throw new BackendError(`Kubernetes refused ${what} (${reply.status}): ${said}`, 'kubernetes');
  }
}
