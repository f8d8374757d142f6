/**
 * GitLab and Jenkins answering with JSON that is not what their APIs document (a proxy's page, another
 * API version, the wrong service behind the URL): the contract examples, damaged in one place, served
 * without response validation. A status check then either reads the answer or fails with a
 * BackendError naming the server, the request and the field; never a TypeError from deep inside.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { GitlabPipeline } from '../../src/backends/gitlab/gitlab-pipeline.js';
import { JenkinsPipeline } from '../../src/backends/jenkins/jenkins-pipeline.js';
import { BackendError, isOpsbotError } from '../../src/core/errors.js';
import { PipelineEventHub } from '../../src/core/pipelines/events.js';
import type { PipelineRun } from '../../src/core/pipelines/ports.js';
import { startContractServer, type ContractHandler, type ContractServer } from '../support/contract/contract-server.js';
import { damaged } from '../support/mutate.js';
import { gitlab, gitlabSpec, jenkins, jenkinsSpec } from './support.js';

let server: ContractServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Requests are still checked against the spec; the answers are deliberately off it. */
async function serve(spec: string, handlers: Record<string, ContractHandler>): Promise<ContractServer> {
  server = await startContractServer({ spec, handlers, validateResponses: false });
  return server;
}

const signal = (): AbortSignal => new AbortController().signal;
/** A 200 with whatever `value()` holds at the time, as JSON text (so a damaged answer goes out as it is). */
const jsonOf =
  (value: () => unknown): ContractHandler =>
  () => ({ status: 200, body: JSON.stringify(value()) ?? '', headers: { 'content-type': 'application/json' } });
const gitlabRun: PipelineRun = { pipeline: 'app', backend: 'gitlab', id: '61', url: null };
const jenkinsBuild: PipelineRun = { pipeline: 'build', backend: 'jenkins', id: '7', url: null };
const jenkinsQueued: PipelineRun = { pipeline: 'build', backend: 'jenkins', id: 'queue-1234', url: null };

function gitlabBackend(url: string): GitlabPipeline {
  return new GitlabPipeline({ pipeline: 'app', url, project: 'group/app', token: 'glpat-test-token', triggerToken: null, pollIntervalMs: 5, requestTimeoutMs: 5_000 }, new PipelineEventHub());
}

function jenkinsBackend(url: string): JenkinsPipeline {
  return new JenkinsPipeline({ pipeline: 'build', url, job: 'api-deploy', user: 'opsbot', token: 'api-token-123', refParameter: 'BRANCH', parameterized: true, pollIntervalMs: 5, queueTimeoutMs: 60_000, requestTimeoutMs: 5_000 });
}

/** Resolves, or rejects with one of opsbot's own errors: anything else escapes the test. */
async function readsOrRefuses(status: Promise<unknown>): Promise<void> {
  await status.catch((error: unknown) => {
    if (!isOpsbotError(error)) throw error;
  });
}

describe('GitLab', () => {
  it('a pipeline answer without its id is a BackendError that names the field', async () => {
    const { id: _id, ...withoutId } = gitlab.pipeline();
    const s = await serve(gitlabSpec(), {
      getApiV4ProjectsIdPipelinesPipelineId: () => ({ status: 200, body: withoutId }),
      getApiV4ProjectsIdPipelinesPipelineIdJobs: () => ({ status: 200, body: gitlab.jobs() }),
    });
    const failed = gitlabBackend(s.url).status(gitlabRun, signal());
    await expect(failed).rejects.toThrow(BackendError);
    await expect(failed).rejects.toThrow('GitLab answered pipeline #61 with JSON opsbot cannot read: the answer lacks `id`.');
  });

  it('a jobs answer that is not a list is a BackendError', async () => {
    const s = await serve(gitlabSpec(), {
      getApiV4ProjectsIdPipelinesPipelineId: () => ({ status: 200, body: gitlab.pipeline() }),
      getApiV4ProjectsIdPipelinesPipelineIdJobs: () => ({ status: 200, body: { jobs: gitlab.jobs() } }),
    });
    await expect(gitlabBackend(s.url).status(gitlabRun, signal())).rejects.toThrow('GitLab answered the jobs of pipeline #61 with JSON opsbot cannot read: the answer must be array.');
  });

  it('whatever one node of the pipeline or its jobs is changed to, a status check reads it or refuses it', async () => {
    let pipeline: unknown = gitlab.pipeline();
    let jobs: unknown = gitlab.jobs();
    const s = await serve(gitlabSpec(), {
      getApiV4ProjectsIdPipelinesPipelineId: jsonOf(() => pipeline),
      getApiV4ProjectsIdPipelinesPipelineIdJobs: jsonOf(() => jobs),
    });
    const backend = gitlabBackend(s.url);
    await fc.assert(
      fc.asyncProperty(damaged([gitlab.pipeline()]), damaged([gitlab.jobs()]), fc.boolean(), async (p, j, both) => {
        pipeline = p.value;
        jobs = both ? j.value : gitlab.jobs();
        await readsOrRefuses(backend.status(gitlabRun, signal()));
      }),
      { numRuns: 200 },
    );
  });
});

describe('Jenkins', () => {
  it('a build whose number is not a number is a BackendError that names the field', async () => {
    const s = await serve(jenkinsSpec(), { getBuild: () => ({ status: 200, body: { ...jenkins.buildFinished(), number: '7' } }) });
    await expect(jenkinsBackend(s.url).status(jenkinsBuild, signal())).rejects.toThrow('Jenkins answered build #7 of api-deploy with JSON opsbot cannot read: `/number` must be integer.');
  });

  it('whatever one node of a queue item or a build is changed to, a status check reads it or refuses it', async () => {
    let item: unknown = jenkins.queueLeft();
    let build: unknown = jenkins.buildFinished();
    const s = await serve(jenkinsSpec(), {
      getQueueItem: jsonOf(() => item),
      getBuild: jsonOf(() => build),
    });
    const backend = jenkinsBackend(s.url);
    await fc.assert(
      fc.asyncProperty(damaged([jenkins.queueWaiting(), jenkins.queueLeft(), jenkins.queueCancelled()]), damaged([jenkins.buildRunning(), jenkins.buildFinished()]), async (q, b) => {
        item = q.value;
        build = b.value;
        await readsOrRefuses(backend.status(jenkinsQueued, signal()));
        await readsOrRefuses(backend.status(jenkinsBuild, signal()));
      }),
      { numRuns: 200 },
    );
  });
});
