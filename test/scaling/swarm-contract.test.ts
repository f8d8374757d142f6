/**
 * The Swarm orchestrator against the Docker Engine API contract (moby's swagger.yaml): every request
 * validated, answers built from the spec's own `Service` example. The real-daemon tests in
 * docker.test.ts cover the happy path where a daemon can run; this covers what a daemon does only
 * under a race: the update refused for a stale `version`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { SwarmOrchestrator } from '../../src/backends/containers/swarm.js';
import { BackendError, ConflictError } from '../../src/core/errors.js';
import { startContractServer, type ContractServer } from '../support/contract/contract-server.js';
import { sharedDir } from '../support/shared.js';

const spec = (): string => join(sharedDir(), 'contracts', 'docker', 'docker-engine-api.swagger.yaml');
/** The spec's example of a Service (GET /services/{id}). */
const serviceExample = (): { Version: { Index: number }; Spec: { Name: string; Mode: { Replicated: { Replicas: number } } } } =>
  (parseYaml(readFileSync(spec(), 'utf8'), { maxAliasCount: -1 }) as { definitions: { Service: { example: never } } }).definitions.Service.example;

let server: ContractServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A service whose version another writer bumps right after each inspect (a rolling update, a person). */
async function racingService(error: { status: number; message: string }): Promise<ContractServer> {
  const service = serviceExample();
  return startContractServer({
    spec: spec(),
    handlers: {
      ServiceInspect: () => {
        const reply = { status: 200, body: structuredClone(service) };
        service.Version.Index += 1;
        return reply;
      },
      ServiceUpdate: (call) => (Number(call.query.version) === service.Version.Index ? { status: 200, body: { Warnings: [] } } : { status: error.status, body: { message: error.message } }),
    },
  });
}

describe('the Swarm orchestrator on the Engine API contract', () => {
  it('turns "update out of sequence" (a stale version: someone changed the service meanwhile) into a conflict, which says nothing was changed', async () => {
    // The daemon's words for a stale version (contracts/docker/examples.service-scale.md); it answers
    // 500 with swarmkit's gRPC error (moby/moby#30794, docker/docker-py#1848).
    server = await racingService({ status: 500, message: 'rpc error: code = Unknown desc = update out of sequence' });
    const swarm = new SwarmOrchestrator({ service: 'hopeful_cori', dockerHost: server.url.replace(/^http:/, 'tcp:') });
    const error = await swarm.scale(3, 1, new AbortController().signal).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as Error).message).toBe('Docker refused updating hopeful_cori (version 19): it changed meanwhile (update out of sequence); look again and retry.');
    expect(server.callsTo('ServiceUpdate')[0]?.query).toMatchObject({ version: '19' });
    expect((server.callsTo('ServiceUpdate')[0]?.body as { Mode: unknown }).Mode).toEqual({ Replicated: { Replicas: 3 } });
    server.assertClean();
  });

  it('keeps other refusals of the update as backend errors in the daemon\'s words', async () => {
    server = await racingService({ status: 500, message: 'rpc error: code = Unknown desc = something else' });
    const swarm = new SwarmOrchestrator({ service: 'hopeful_cori', dockerHost: server.url.replace(/^http:/, 'tcp:') });
    const error = await swarm.scale(3, 1, new AbortController().signal).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as Error).message).toBe('Docker refused updating hopeful_cori (version 19) (500): rpc error: code = Unknown desc = something else');
    server.assertClean();
  });
});
