/**
 * The GitLab backend against the GitLab pipelines contract (every request validated, every fake
 * answer checked against the spec's schemas), with the contract's examples as answers.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { GitlabPipeline, type GitlabPipelineSettings } from '../../src/backends/gitlab/gitlab-pipeline.js';
import { createPipelinePortFromConfig } from '../../src/backends/gitlab/pipelines-from-config.js';
import type { PipelineConfig } from '../../src/config/types.js';
import { BackendError, UsageError } from '../../src/core/errors.js';
import { PipelineEventHub } from '../../src/core/pipelines/events.js';
import type { PipelineRun, PipelineUpdate } from '../../src/core/pipelines/ports.js';
import { startContractServer, type ContractHandler, type ContractServer } from '../support/contract/contract-server.js';
import { closedPort, gitlab, gitlabSpec } from './support.js';

const TOKEN = 'glpat-test-token';

let server: ContractServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(handlers: Record<string, ContractHandler>): Promise<ContractServer> {
  server = await startContractServer({
    spec: gitlabSpec(),
    handlers,
    authorize: (call, operation) => {
      // The trigger endpoint authenticates by its body token alone: no API token may travel with it.
      if ((operation.security ?? [null]).length === 0) return call.headers['private-token'] === undefined ? null : 'the API token was sent to the trigger endpoint';
      return call.headers['private-token'] === TOKEN ? null : 'expected the configured PRIVATE-TOKEN';
    },
  });
  return server;
}

function backend(url: string, overrides: Partial<GitlabPipelineSettings> = {}, hub = new PipelineEventHub()): GitlabPipeline {
  return new GitlabPipeline({ pipeline: 'app', url, project: 'group/app', token: TOKEN, triggerToken: null, pollIntervalMs: 5, requestTimeoutMs: 5_000, ...overrides }, hub);
}

const signal = (): AbortSignal => new AbortController().signal;
const run61: PipelineRun = { pipeline: 'app', backend: 'gitlab', id: '61', url: null };
const pipelineAs = (status: string, extra: Record<string, unknown> = {}) => ({ ...gitlab.pipeline(), status, ...extra });
const jobsAs = (...statuses: string[]) => gitlab.jobs().map((j, i) => ({ ...j, status: statuses[i] ?? j.status }));

describe('starting a pipeline', () => {
  it('creates one with the API token and typed variables', async () => {
    const s = await start({ postApiV4ProjectsIdPipeline: () => ({ status: 201, body: pipelineAs('created') }) });
    const run = await backend(s.url).start({ ref: 'main', variables: { DEPLOY_ENV: 'production', APP_VERSION: '1.4.2' } }, signal());
    expect(run).toEqual({ pipeline: 'app', backend: 'gitlab', id: '61', url: 'https://gitlab.example.invalid/group/app/-/pipelines/61' });
    const call = s.callsTo('postApiV4ProjectsIdPipeline')[0];
    expect(call?.params.id).toBe('group/app');
    expect(call?.body).toEqual({ ref: 'main', variables: [{ key: 'DEPLOY_ENV', value: 'production' }, { key: 'APP_VERSION', value: '1.4.2' }] });
    s.assertClean();
  });

  it('triggers one with the trigger token alone when one is configured', async () => {
    const s = await start({ postApiV4ProjectsIdTriggerPipeline: () => ({ status: 201, body: pipelineAs('created') }) });
    await backend(s.url, { triggerToken: 'glptt-trigger', project: '11' }).start({ ref: 'main', variables: { DEPLOY_ENV: 'production' } }, signal());
    expect(s.callsTo('postApiV4ProjectsIdTriggerPipeline')[0]?.body).toEqual({ token: 'glptt-trigger', ref: 'main', variables: { DEPLOY_ENV: 'production' } });
    s.assertClean();
  });

  it.each([
    [400, { message: { base: ['Reference not found'] } }, /\(400\): \{"base":\["Reference not found"\]\}/],
    [401, { message: '401 Unauthorized' }, /refused the credentials \(401\) .*: 401 Unauthorized/],
    [403, { message: '403 Forbidden' }, /denied .*\(403\): 403 Forbidden/],
    [404, { message: '404 Project Not Found' }, /\(404\): 404 Project Not Found/],
  ])('turns a %i answer into a BackendError with GitLab\'s message', async (status, body, message) => {
    const s = await start({ postApiV4ProjectsIdPipeline: () => ({ status, body }) });
    const error = await backend(s.url).start({ ref: 'main', variables: {} }, signal()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as Error).message).toMatch(message);
    s.assertClean();
  });

  it.each([409, 429, 500, 502, 503])('fails with GitLab\'s words and never repeats the create after a %i (it is not idempotent)', async (status) => {
    const s = await start({ postApiV4ProjectsIdPipeline: () => ({ status, body: { message: 'try later' } }) });
    const error = await backend(s.url).start({ ref: 'main', variables: {} }, signal()).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(new RegExp(`\\(${status}\\): try later`));
    expect(s.callsTo('postApiV4ProjectsIdPipeline')).toHaveLength(1);
  });

  it('reports an unreachable server clearly', async () => {
    const port = await closedPort();
    const error = await backend(`http://127.0.0.1:${port}`).start({ ref: 'main', variables: {} }, signal()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as Error).message).toMatch(new RegExp(`Cannot reach GitLab at http://127.0.0.1:${port}: .*ECONNREFUSED`));
  });

  it('says a create that timed out may have happened, without repeating it', async () => {
    let calls = 0;
    const s = await start({
      postApiV4ProjectsIdPipeline: () =>
        ++calls === 1 ? { status: 201, body: pipelineAs('created') } : new Promise((resolve) => setTimeout(() => resolve({ status: 201, body: pipelineAs('created') }), 3_000)),
    });
    const b = backend(s.url, { requestTimeoutMs: 500 });
    await b.start({ ref: 'main', variables: {} }, signal());
    const error = await b.start({ ref: 'main', variables: {} }, signal()).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/did not answer within 500 ms .*may or may not have been created/);
    expect(s.callsTo('postApiV4ProjectsIdPipeline')).toHaveLength(2);
  });
});

describe('following a pipeline', () => {
  it('polls status and jobs until the end, reporting finished jobs out of all', async () => {
    const states = ['pending', 'running', 'success'];
    let poll = 0;
    const s = await start({
      getApiV4ProjectsIdPipelinesPipelineId: () => ({ status: 200, body: pipelineAs(states[Math.min(poll++, 2)] ?? 'success', { duration: 147 }) }),
      getApiV4ProjectsIdPipelinesPipelineIdJobs: () => ({ status: 200, body: poll >= 3 ? jobsAs('success', 'success') : jobsAs('success', 'running') }),
    });
    const updates: PipelineUpdate[] = [];
    const outcome = await backend(s.url).follow(run61, (u) => updates.push(u), signal());
    expect(outcome).toEqual({ run: { ...run61, url: 'https://gitlab.example.invalid/group/app/-/pipelines/61' }, state: 'succeeded', summary: 'Pipeline #61 on main success in 147 s.' });
    expect(updates.map((u) => [u.state, u.step, u.done, u.total])).toEqual([
      ['queued', 'pipeline #61 pending: deploy-production running', 1, 2],
      ['running', 'pipeline #61 running: deploy-production running', 1, 2],
    ]);
    s.assertClean();
  });

  it('names the failed jobs and their reasons when the pipeline fails', async () => {
    const failedJobs = gitlab.jobs().map((j) => (j.name === 'deploy-production' ? { ...j, status: 'failed', failure_reason: 'script_failure' } : j));
    const s = await start({
      getApiV4ProjectsIdPipelinesPipelineId: () => ({ status: 200, body: pipelineAs('failed') }),
      getApiV4ProjectsIdPipelinesPipelineIdJobs: () => ({ status: 200, body: failedJobs }),
    });
    const outcome = await backend(s.url).follow(run61, () => undefined, signal());
    expect(outcome.state).toBe('failed');
    expect(outcome.summary).toBe('Pipeline #61 on main failed. Failed: deploy-production (script_failure).');
    s.assertClean();
  });

  it('reports a pushed event at once and polls right away instead of waiting for the next poll', async () => {
    const hub = new PipelineEventHub();
    let status = 'running';
    const s = await start({
      getApiV4ProjectsIdPipelinesPipelineId: () => ({ status: 200, body: pipelineAs(status) }),
      getApiV4ProjectsIdPipelinesPipelineIdJobs: () => ({ status: 200, body: jobsAs('success', status === 'running' ? 'running' : 'success') }),
    });
    const updates: PipelineUpdate[] = [];
    const following = backend(s.url, { pollIntervalMs: 3_600_000 }, hub).follow(run61, (u) => updates.push(u), signal());
    await until(() => updates.length === 1);
    // Delivered to the follower (project 11, pipeline 61) while it sleeps for an hour.
    status = 'success';
    const delivered = hub.publish({ projectId: 11, pipelineId: 61, status: 'success', url: null, jobs: [{ name: 'build-image', stage: 'build', status: 'success' }, { name: 'deploy-production', stage: 'deploy', status: 'success' }] });
    expect(delivered).toBe(1);
    const outcome = await following;
    expect(outcome.state).toBe('succeeded');
    expect(updates[1]).toMatchObject({ state: 'succeeded', step: 'pipeline #61 success', done: 2, total: 2 });
    // Nobody follows any more: later events go nowhere.
    expect(hub.publish({ projectId: 11, pipelineId: 61, status: 'success', url: null, jobs: [] })).toBe(0);
    s.assertClean();
  });

  it('reads every page of a pipeline\'s jobs (GitLab gives at most 100 a page) and names a failed job from a later page', async () => {
    // 130 jobs; the one that failed is on the second page.
    const many = Array.from({ length: 130 }, (_, i) => ({ ...gitlab.jobs()[0], id: 1000 + i, name: `test-${i + 1}`, status: i === 119 ? 'failed' : 'success', failure_reason: i === 119 ? 'script_failure' : null }));
    const s = await start({
      getApiV4ProjectsIdPipelinesPipelineId: () => ({ status: 200, body: pipelineAs('failed') }),
      getApiV4ProjectsIdPipelinesPipelineIdJobs: (call) => {
        const page = Number(call.query.page ?? 1);
        const perPage = Number(call.query.per_page ?? 20);
        const last = Math.ceil(many.length / perPage);
        return {
          status: 200,
          body: many.slice((page - 1) * perPage, page * perPage),
          headers: { 'x-page': String(page), 'x-per-page': String(perPage), 'x-total': String(many.length), 'x-total-pages': String(last), 'x-next-page': page < last ? String(page + 1) : '' },
        };
      },
    });
    const outcome = await backend(s.url).follow(run61, () => undefined, signal());
    expect(outcome.summary).toBe('Pipeline #61 on main failed. Failed: test-120 (script_failure).');
    const snapshot = await backend(s.url).status(run61, signal());
    expect(snapshot.parts).toHaveLength(130);
    expect(snapshot.parts.at(-1)).toEqual({ name: 'build/test-130', status: 'success' });
    s.assertClean();
  });

  it('waits out GitLab being unavailable while following (502, 503, a 429 with Retry-After), then follows on', async () => {
    const outage = [
      { status: 502, body: { message: '502 Bad Gateway' } },
      { status: 429, body: { message: 'Retry later' }, headers: { 'retry-after': '0' } },
      { status: 503, body: { message: 'GitLab is not responding' } },
    ];
    let reads = 0;
    const s = await start({
      getApiV4ProjectsIdPipelinesPipelineId: () => outage[reads++] ?? { status: 200, body: pipelineAs('success', { duration: 147 }) },
      getApiV4ProjectsIdPipelinesPipelineIdJobs: () => ({ status: 200, body: jobsAs('success', 'success') }),
    });
    const updates: PipelineUpdate[] = [];
    const outcome = await backend(s.url).follow(run61, (u) => updates.push(u), signal());
    expect(outcome.state).toBe('succeeded');
    expect(updates.map((u) => u.step)).toEqual([
      expect.stringMatching(/^GitLab failed pipeline #61 \(502\): 502 Bad Gateway\. Asking again in 1s; the run goes on on the server\.$/),
      expect.stringMatching(/^GitLab is limiting its rate and refused pipeline #61 \(429\): Retry later\. Asking again in 1s/),
      expect.stringMatching(/^GitLab failed pipeline #61 \(503\): GitLab is not responding\. Asking again/),
    ]);
    expect(s.callsTo('getApiV4ProjectsIdPipelinesPipelineId')).toHaveLength(4);
    s.assertClean();
  });

  it('gives up following once GitLab stays unavailable past the outage bound, saying the run may go on; a 401 fails at once', async () => {
    const s = await start({ getApiV4ProjectsIdPipelinesPipelineId: () => ({ status: 503, body: { message: 'GitLab is not responding' } }) });
    const error = await backend(s.url, { outageMs: 200 }).follow(run61, () => undefined, signal()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as Error).message).toMatch(/^GitLab failed pipeline #61 \(503\): GitLab is not responding\. It stayed unavailable for .*, so opsbot stopped following; the run may still be going on the server\.$/);
    expect(s.callsTo('getApiV4ProjectsIdPipelinesPipelineId').length).toBeGreaterThan(1);

    const denied = await start({ getApiV4ProjectsIdPipelinesPipelineId: () => ({ status: 401, body: { message: '401 Unauthorized' } }) });
    await expect(backend(denied.url).follow(run61, () => undefined, signal())).rejects.toThrow(/refused the credentials \(401\)/);
    expect(denied.callsTo('getApiV4ProjectsIdPipelinesPipelineId')).toHaveLength(1);
  });

  it('cancels a pipeline that waits to start past its queue timeout (no runner takes its jobs) and fails, naming the wait', async () => {
    const s = await start({
      getApiV4ProjectsIdPipelinesPipelineId: () => ({ status: 200, body: pipelineAs('pending') }),
      getApiV4ProjectsIdPipelinesPipelineIdJobs: () => ({ status: 200, body: jobsAs('pending', 'created') }),
      postApiV4ProjectsIdPipelinesPipelineIdCancel: () => ({ status: 200, body: pipelineAs('canceled') }),
    });
    const error = await backend(s.url, { queueTimeoutMs: 100 }).follow(run61, () => undefined, signal()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as Error).message).toMatch(/^GitLab pipeline #61 waited \d+s to start \(pending: no runner took its jobs\) and was cancelled\.$/);
    expect(s.callsTo('postApiV4ProjectsIdPipelinesPipelineIdCancel')).toHaveLength(1);
    s.assertClean();
  });

  it('counts only an unbroken wait to start: a pipeline that runs between two waits, or a scheduled (delayed) one, is not cancelled', async () => {
    // No two waiting polls in a row: however slow the machine, no wait is ever unbroken for long.
    const statuses = ['pending', 'running', 'created', 'running', 'scheduled', 'scheduled', 'scheduled', 'success'];
    let poll = 0;
    const s = await start({
      getApiV4ProjectsIdPipelinesPipelineId: () => ({ status: 200, body: pipelineAs(statuses[Math.min(poll++, statuses.length - 1)] ?? 'success') }),
      getApiV4ProjectsIdPipelinesPipelineIdJobs: () => ({ status: 200, body: jobsAs('success', 'running') }),
    });
    const finished = await backend(s.url, { queueTimeoutMs: 30, pollIntervalMs: 40 }).follow(run61, () => undefined, signal());
    expect(finished.state).toBe('succeeded');
    expect(s.callsTo('postApiV4ProjectsIdPipelinesPipelineIdCancel')).toEqual([]);
    s.assertClean();
  });

  it('turns an unknown pipeline into a clear error', async () => {
    const s = await start({ getApiV4ProjectsIdPipelinesPipelineId: () => ({ status: 404, body: { message: '404 Not found' } }) });
    await expect(backend(s.url).follow(run61, () => undefined, signal())).rejects.toThrow(/GitLab found no such thing for pipeline #61 \(404\): 404 Not found/);
    s.assertClean();
  });
});

describe('cancel, retry and status', () => {
  it('cancels (200 or 201 both count) and retries', async () => {
    const s = await start({
      postApiV4ProjectsIdPipelinesPipelineIdCancel: () => ({ status: 200, body: pipelineAs('canceling') }),
      getApiV4ProjectsIdPipelinesPipelineId: () => ({ status: 200, body: pipelineAs('failed') }),
      postApiV4ProjectsIdPipelinesPipelineIdRetry: () => ({ status: 201, body: pipelineAs('pending') }),
    });
    expect(await backend(s.url).cancel(run61, signal())).toBe('GitLab pipeline #61 is now canceling.');
    const vetted: (string | null)[] = [];
    const retried = await backend(s.url).retry(run61, signal(), (ref) => {
      vetted.push(ref);
      return { ref, variables: {} };
    });
    expect(retried.id).toBe('61');
    // The pipeline's own ref went through the catalog before the retry.
    expect(vetted).toEqual(['main']);
    s.assertClean();
  });

  it('lists the jobs in a status', async () => {
    const s = await start({
      getApiV4ProjectsIdPipelinesPipelineId: () => ({ status: 200, body: pipelineAs('running') }),
      getApiV4ProjectsIdPipelinesPipelineIdJobs: () => ({ status: 200, body: gitlab.jobs() }),
    });
    const snapshot = await backend(s.url).status(run61, signal());
    expect(snapshot.parts).toEqual([{ name: 'build/build-image', status: 'success' }, { name: 'deploy/deploy-production', status: 'running' }]);
    s.assertClean();
  });
});

describe('retry through the catalog', () => {
  /** The pipeline `app` as the config declares it: a required variable, and only main or a release branch. */
  function port(url: string): ReturnType<typeof createPipelinePortFromConfig> {
    const config: PipelineConfig = {
      description: null,
      backend: { kind: 'gitlab', url, project: 'group/app', token: TOKEN, triggerToken: null, webhookToken: null, ref: 'main', queueTimeout: 600_000 },
      variables: { APP_VERSION: { type: 'string', pattern: null, required: true, default: null, description: null } },
      refPattern: '^(main|release/[0-9.]+)$',
      permission: null,
      pollInterval: 5,
      requestTimeout: 5_000,
    };
    return createPipelinePortFromConfig({ pipelines: { app: config }, hub: new PipelineEventHub(), authorize: () => undefined });
  }

  it('retries a pipeline on a ref the config accepts (its variables stay GitLab\'s own)', async () => {
    const s = await start({
      getApiV4ProjectsIdPipelinesPipelineId: () => ({ status: 200, body: pipelineAs('failed', { ref: 'release/2.1' }) }),
      postApiV4ProjectsIdPipelinesPipelineIdRetry: () => ({ status: 201, body: pipelineAs('pending', { ref: 'release/2.1' }) }),
    });
    expect((await port(s.url).retry(run61, signal())).id).toBe('61');
    expect(s.callsTo('postApiV4ProjectsIdPipelinesPipelineIdRetry')).toHaveLength(1);
    s.assertClean();
  });

  it('refuses to retry a pipeline that succeeded (GitLab would re-run nothing), and retries nothing', async () => {
    const s = await start({
      getApiV4ProjectsIdPipelinesPipelineId: () => ({ status: 200, body: pipelineAs('success') }),
      postApiV4ProjectsIdPipelinesPipelineIdRetry: () => ({ status: 201, body: pipelineAs('success') }),
    });
    await expect(port(s.url).retry(run61, signal())).rejects.toThrow('app#61 succeeded: GitLab retries only failed or cancelled jobs, so nothing would run again. Start a new run with `pipeline run app`.');
    expect(s.callsTo('postApiV4ProjectsIdPipelinesPipelineIdRetry')).toEqual([]);
    s.assertClean();
  });

  it('refuses a pipeline on a ref outside the pipeline\'s ref pattern (one started in GitLab itself), and retries nothing', async () => {
    const s = await start({
      getApiV4ProjectsIdPipelinesPipelineId: () => ({ status: 200, body: pipelineAs('failed', { ref: 'feature/x' }) }),
      postApiV4ProjectsIdPipelinesPipelineIdRetry: () => ({ status: 201, body: pipelineAs('pending', { ref: 'feature/x' }) }),
    });
    const retried = port(s.url).retry(run61, signal());
    await expect(retried).rejects.toBeInstanceOf(UsageError);
    await expect(retried).rejects.toThrow('app#61 cannot be retried as it ran: `feature/x` is not an acceptable ref for `app`');
    expect(s.callsTo('postApiV4ProjectsIdPipelinesPipelineIdRetry')).toEqual([]);
    s.assertClean();
  });
});

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
  if (!check()) throw new Error('condition not reached');
}
