/**
 * A Kubernetes deployment, scaled through its `scale` subresource: read the Scale, then replace it
 * (PUT) with the new `spec.replicas` and the resourceVersion just read, so a concurrent change (an
 * autoscaler, a person) makes the API answer 409 instead of being overwritten. Ready replicas come
 * from the deployment's status.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { BackendError, ConflictError } from '../../core/errors.js';
import type { Orchestrator, ReplicaCount } from '../../core/scaling/ports.js';
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

interface Scale {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: Record<string, unknown> & { readonly resourceVersion?: string };
  readonly spec?: { readonly replicas?: number };
  readonly status?: { readonly replicas?: number };
}

interface Deployment {
  readonly spec?: { readonly replicas?: number };
  readonly status?: { readonly readyReplicas?: number };
}


export class KubernetesOrchestrator implements Orchestrator {
  readonly kind = 'kubernetes' as const;
  readonly target: string;
  private client: KubeClient | null = null;

  constructor(private readonly settings: KubernetesSettings) {
    this.target = `Kubernetes deployment ${settings.namespace}/${settings.deployment}${settings.server === null ? '' : ` on ${settings.server}`}`;
  }

  async read(signal: AbortSignal): Promise<ReplicaCount> {
    const deployment = (await this.call('GET', this.path(''), undefined, `deployment ${this.name()}`, signal)) as Deployment;
    return { desired: deployment.spec?.replicas ?? 1, ready: deployment.status?.readyReplicas ?? 0 };
  }

  async scale(replicas: number, expected: number, signal: AbortSignal): Promise<void> {
    const what = `the scale of ${this.name()}`;
    const current = (await this.call('GET', this.path('/scale'), undefined, what, signal)) as Scale;
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
