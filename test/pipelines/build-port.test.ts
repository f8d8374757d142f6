/** The deploy flow's build step (BuildPort) over the PipelinePort, against the Jenkins contract. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPipelinePortFromConfig } from '../../src/backends/gitlab/pipelines-from-config.js';
import type { PipelineConfig } from '../../src/config/types.js';
import { createBuildPort } from '../../src/core/pipelines/build-port.js';
import { PipelineEventHub } from '../../src/core/pipelines/events.js';
import { startContractServer, type ContractServer } from '../support/contract/contract-server.js';
import { jenkins, jenkinsSpec, progressiveText } from './support.js';

let server: ContractServer;
let result = 'SUCCESS';

beforeAll(async () => {
  server = await startContractServer({
    spec: jenkinsSpec(),
    handlers: {
      getCrumb: () => ({ status: 200, body: jenkins.crumb() }),
      postJobBuildWithParameters: () => ({ status: 201, headers: { location: `${server.url}/queue/item/1234/` } }),
      getQueueItem: () => ({ status: 200, body: jenkins.queueLeft() }),
      getProgressiveText: (call) => progressiveText(Number(call.query.start ?? 0)),
      getBuild: () => ({ status: 200, body: { ...jenkins.buildFinished(), result } }),
    },
  });
});
afterAll(() => server.close());

function config(): PipelineConfig {
  return {
    description: null,
    backend: { kind: 'jenkins', url: server.url, job: 'api-deploy', user: 'opsbot', token: 't', refParameter: null, parameterized: true, queueTimeout: 60_000 },
    variables: { VERSION: { type: 'string', pattern: '^\\d+\\.\\d+\\.\\d+$', required: true, default: null, description: null } },
    refPattern: '^main$',
    permission: null,
    pollInterval: 5,
    requestTimeout: 5_000,
  };
}

describe('the build step of /deploy', () => {
  it('runs the named pipeline with the deploy\'s version and reports the build and its link', async () => {
    const port = createPipelinePortFromConfig({ pipelines: { 'store-build': config() }, hub: new PipelineEventHub(), authorize: () => undefined });
    const progress: string[] = [];
    const built = await createBuildPort(port).run('store-build', { VERSION: '1.4.2' }, { signal: new AbortController().signal, onProgress: (d) => progress.push(d) });
    expect(built).toEqual({ ok: true, runId: 'store-build#57', url: 'http://127.0.0.1:8080/job/api-deploy/57/', version: '1.4.2', detail: 'Build #57 finished SUCCESS in 93 s.' });
    expect(progress.at(-1)).toBe('store-build#57 build #57 running: Deploy');
    expect(server.callsTo('postJobBuildWithParameters')[0]?.body).toEqual({ VERSION: '1.4.2' });
    server.assertClean();
  });

  it('names the run as soon as the server gives it, and again when the queue item becomes a build', async () => {
    result = 'SUCCESS';
    const port = createPipelinePortFromConfig({ pipelines: { 'store-build': config() }, hub: new PipelineEventHub(), authorize: () => undefined });
    const runs: [string, string | null][] = [];
    await createBuildPort(port).run('store-build', { VERSION: '1.4.2' }, { signal: new AbortController().signal, onRun: (runId, url) => runs.push([runId, url]) });
    expect(runs).toEqual([
      ['store-build#queue-1234', `${server.url}/queue/item/1234/`],
      ['store-build#57', 'http://127.0.0.1:8080/job/api-deploy/57/'],
    ]);
  });

  it('reports a failed build as not ok, and refuses variables the pipeline does not declare', async () => {
    result = 'FAILURE';
    const port = createPipelinePortFromConfig({ pipelines: { 'store-build': config() }, hub: new PipelineEventHub(), authorize: () => undefined });
    const build = createBuildPort(port);
    const failed = await build.run('store-build', { VERSION: '1.4.2' }, { signal: new AbortController().signal });
    expect(failed).toMatchObject({ ok: false, detail: 'Build #57 finished FAILURE in 93 s.' });
    await expect(build.run('store-build', { VERSION: '1.4.2', COLOUR: 'blue' }, { signal: new AbortController().signal })).rejects.toThrow(/`COLOUR` is not a variable of `store-build`/);
  });
});
