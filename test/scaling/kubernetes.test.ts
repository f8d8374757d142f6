/**
 * The Kubernetes orchestrator against the apps/v1 contract (client-go's copy of the published
 * OpenAPI): every request validated, answers checked against the Deployment and Scale schemas.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { KubernetesOrchestrator } from '../../src/backends/containers/kubernetes.js';
import { BackendError, ConflictError } from '../../src/core/errors.js';
import { startContractServer, type ContractServer } from '../support/contract/contract-server.js';
import { removeTempDirs, tempDir } from '../support/app.js';
import { closedPort } from '../pipelines/support.js';
import { readShared } from '../support/shared.js';
import { K8S_TOKEN, kubeOrchestrator, kubernetesSpec, startKubeStandIn, type KubeStandIn } from './support.js';

let standIn: KubeStandIn | undefined;
let other: ContractServer | undefined;
afterEach(async () => {
  await standIn?.server.close();
  await other?.close();
  standIn = undefined;
  other = undefined;
});
afterAll(() => removeTempDirs());

const signal = (): AbortSignal => new AbortController().signal;
const scaleExample = () => readShared<Record<string, unknown>>('contracts', 'kubernetes', 'examples', 'scale.response.json');

describe('the Kubernetes orchestrator', () => {
  it('reads desired and ready replicas from the deployment', async () => {
    standIn = await startKubeStandIn({ desired: 5, ready: 3, readyStep: 0 });
    const k8s = new KubernetesOrchestrator(kubeOrchestrator(standIn.server.url));
    expect(await k8s.read(signal())).toEqual({ desired: 5, ready: 3 });
    expect(standIn.server.callsTo('readAppsV1NamespacedDeployment')[0]?.params).toEqual({ namespace: 'production', name: 'api' });
    standIn.server.assertClean();
  });

  it('replaces the scale subresource with the resourceVersion it read', async () => {
    standIn = await startKubeStandIn({ desired: 5 });
    await new KubernetesOrchestrator(kubeOrchestrator(standIn.server.url)).scale(8, 5, signal());
    const put = standIn.server.callsTo('replaceAppsV1NamespacedDeploymentScale')[0];
    expect(put?.body).toEqual({ apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'api', namespace: 'production', resourceVersion: '123456' }, spec: { replicas: 8 } });
    expect(standIn.deployment.desired).toBe(8);
    standIn.server.assertClean();
  });

  it('refuses when the count moved since the plan was made, without writing', async () => {
    standIn = await startKubeStandIn({ desired: 7 });
    const error = await new KubernetesOrchestrator(kubeOrchestrator(standIn.server.url)).scale(8, 5, signal()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as Error).message).toMatch(/changed meanwhile \(it now wants 7 replicas, not 5\)/);
    expect(standIn.server.callsTo('replaceAppsV1NamespacedDeploymentScale')).toHaveLength(0);
  });

  it('turns the API\'s 409 into a conflict that carries its message', async () => {
    standIn = await startKubeStandIn({ desired: 5 });
    const k8s = new KubernetesOrchestrator(kubeOrchestrator(standIn.server.url));
    // Someone else writes between our read and our write.
    standIn.server.on('readAppsV1NamespacedDeploymentScale', () => {
      const reply = { status: 200, body: { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'api', namespace: 'production', resourceVersion: '1' }, spec: { replicas: 5 } } };
      return reply;
    });
    const error = await k8s.scale(8, 5, signal()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as Error).message).toMatch(/\(409\): Operation cannot be fulfilled on deployments\.apps "api": the object has been modified/);
    expect(standIn.deployment.desired).toBe(5);
  });

  it.each([
    [401, 'Unauthorized', /refused the credentials \(401\) .*: Unauthorized/],
    [403, 'deployments.apps "api" is forbidden: User "system:serviceaccount:ops:opsbot" cannot get resource "deployments/scale"', /\(403\): deployments\.apps "api" is forbidden/],
    [404, 'deployments.apps "api" not found', /\(404\): deployments\.apps "api" not found/],
    [500, 'etcdserver: request timed out', /\(500\): etcdserver: request timed out/],
  ])('turns a %i Status into a BackendError with its message', async (code, message, expected) => {
    other = await startContractServer({
      spec: kubernetesSpec(),
      validateResponses: false,
      handlers: { readAppsV1NamespacedDeploymentScale: () => ({ status: code, body: { kind: 'Status', apiVersion: 'v1', status: 'Failure', message, code } }) },
    });
    const error = await new KubernetesOrchestrator(kubeOrchestrator(other.url)).scale(8, 5, signal()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as Error).message).toMatch(expected);
  });

  it.each([
    // The published Scale example, damaged: a count that is a string, and no object at all.
    ['a count that is not a number', { ...scaleExample(), spec: { replicas: '5' } }, 'Kubernetes answered the scale of production/api with JSON opsbot cannot read: `/spec/replicas` must be integer.'],
    ['no object', null, 'Kubernetes answered the scale of production/api with JSON opsbot cannot read: the answer must be object.'],
  ])('refuses a Scale answer with %s, naming what is wrong, and writes nothing', async (_what, body, message) => {
    other = await startContractServer({ spec: kubernetesSpec(), validateResponses: false, handlers: { readAppsV1NamespacedDeploymentScale: () => ({ status: 200, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }) } });
    const error = await new KubernetesOrchestrator(kubeOrchestrator(other.url)).scale(8, 5, signal()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as Error).message).toBe(message);
    expect(other.callsTo('replaceAppsV1NamespacedDeploymentScale')).toHaveLength(0);
  });

  it('reports an unreachable API server', async () => {
    const port = await closedPort();
    const error = await new KubernetesOrchestrator(kubeOrchestrator(`http://127.0.0.1:${port}`)).read(signal()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as Error).message).toMatch(new RegExp(`Cannot reach Kubernetes at http://127.0.0.1:${port}: .*ECONNREFUSED`));
  });

  it('connects through a kubeconfig with a token user', async () => {
    standIn = await startKubeStandIn({ desired: 2 });
    const file = join(tempDir(), 'kubeconfig');
    writeFileSync(
      file,
      [
        'apiVersion: v1',
        'kind: Config',
        'current-context: other',
        'clusters:',
        `- name: lab\n  cluster:\n    server: ${standIn.server.url}`,
        'users:',
        `- name: opsbot\n  user:\n    token: ${K8S_TOKEN}`,
        'contexts:',
        '- name: lab\n  context:\n    cluster: lab\n    user: opsbot',
        '- name: other\n  context:\n    cluster: nowhere\n    user: nobody',
      ].join('\n'),
    );
    const k8s = new KubernetesOrchestrator(kubeOrchestrator(standIn.server.url, { server: null, token: null, kubeconfig: file, context: 'lab' }));
    expect(await k8s.read(signal())).toEqual({ desired: 2, ready: 2 });
    standIn.server.assertClean();
  });
});
