/**
 * The Jenkins backend against the Jenkins remote-access contract: every request is validated by the
 * contract server (paths, Basic auth, parameters) and every fake answer against the spec's schemas.
 * Answers are the contract's examples and upstream fixtures.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { JenkinsClient } from '../../src/backends/jenkins/client.js';
import { JenkinsPipeline, type JenkinsPipelineSettings } from '../../src/backends/jenkins/jenkins-pipeline.js';
import { createPipelinePortFromConfig } from '../../src/backends/gitlab/pipelines-from-config.js';
import type { PipelineConfig } from '../../src/config/types.js';
import { BackendError, CancelledError, UsageError } from '../../src/core/errors.js';
import { PipelineEventHub } from '../../src/core/pipelines/events.js';
import type { PipelinePort, PipelineUpdate, RetryVetting } from '../../src/core/pipelines/ports.js';
import { startContractServer, type ContractHandler, type ContractServer } from '../support/contract/contract-server.js';
import { closedPort, jenkins, jenkinsSpec, progressiveText } from './support.js';

const AUTH = `Basic ${Buffer.from('opsbot:api-token-123').toString('base64')}`;

let server: ContractServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(handlers: Record<string, ContractHandler>): Promise<ContractServer> {
  server = await startContractServer({
    spec: jenkinsSpec(),
    handlers,
    // The exact credentials, not just any Basic header.
    authorize: (call) => (call.headers.authorization === AUTH ? null : `expected ${AUTH}`),
  });
  return server;
}

function pipeline(url: string, overrides: Partial<JenkinsPipelineSettings> = {}): JenkinsPipeline {
  return new JenkinsPipeline({
    pipeline: 'build',
    url,
    job: 'api-deploy',
    user: 'opsbot',
    token: 'api-token-123',
    refParameter: 'BRANCH',
    parameterized: true,
    pollIntervalMs: 5,
    queueTimeoutMs: 60_000,
    requestTimeoutMs: 5_000,
    ...overrides,
  });
}

const signal = (): AbortSignal => new AbortController().signal;
/** Vets nothing: what the backend read from the old build goes out unchanged. */
const asTheyWere: RetryVetting = (ref, variables) => ({ ref, variables: variables ?? {} });
const crumb = (): ContractHandler => () => ({ status: 200, body: jenkins.crumb() });
const queued = (id = 1234): ContractHandler => () => ({ status: 201, headers: { location: `${server?.url ?? ''}/queue/item/${id}/` } });

describe('job paths', () => {
  it('nests folders as job/ segments, encodes names and refuses dot segments', () => {
    expect(JenkinsClient.jobPath('store/build')).toBe('job/store/job/build/');
    expect(JenkinsClient.jobPath('My Team/build #2')).toBe('job/My%20Team/job/build%20%232/');
    expect(() => JenkinsClient.jobPath('store/../admin')).toThrow(/invalid Jenkins job path/);
  });
});

describe('starting a build', () => {
  it('sends the typed parameters with a crumb fetched once and reused, and follows Location to the queue item', async () => {
    const s = await start({ getCrumb: crumb(), postJobBuildWithParameters: queued() });
    const backend = pipeline(s.url);
    const first = await backend.start({ ref: 'main', variables: { ENV: 'production', VERSION: '1.4.2' } }, signal());
    const second = await backend.start({ ref: null, variables: { ENV: 'staging' } }, signal());

    expect(first).toEqual({ pipeline: 'build', backend: 'jenkins', id: 'queue-1234', url: `${s.url}/queue/item/1234/` });
    expect(second.id).toBe('queue-1234');
    const posts = s.callsTo('postJobBuildWithParameters');
    expect(posts.map((c) => c.body)).toEqual([{ ENV: 'production', VERSION: '1.4.2', BRANCH: 'main' }, { ENV: 'staging' }]);
    expect(posts.map((c) => c.headers['jenkins-crumb'])).toEqual([jenkins.crumb().crumb, jenkins.crumb().crumb]);
    expect(posts[0]?.query).toEqual({ delay: '0sec' });
    expect(s.callsTo('getCrumb')).toHaveLength(1);
    s.assertClean();
  });

  it('uses `build` for a job without parameters, and works when the server issues no crumbs (404)', async () => {
    const s = await start({ getCrumb: () => ({ status: 404 }), postJobBuild: queued(77) });
    const run = await pipeline(s.url, { parameterized: false, refParameter: null }).start({ ref: null, variables: {} }, signal());
    expect(run.id).toBe('queue-77');
    expect(s.callsTo('postJobBuild')[0]?.headers['jenkins-crumb']).toBeUndefined();
    s.assertClean();
  });

  it('fetches a fresh crumb and sends once more when Jenkins refuses the crumb (the build was never queued)', async () => {
    let posts = 0;
    const s = await start({
      getCrumb: crumb(),
      postJobBuildWithParameters: () => (++posts === 1 ? { status: 403, body: 'HTTP ERROR 403 No valid crumb was included in the request' } : queued()({} as never)),
    });
    const run = await pipeline(s.url).start({ ref: null, variables: { ENV: 'production' } }, signal());
    expect(run.id).toBe('queue-1234');
    expect(s.callsTo('getCrumb')).toHaveLength(2);
    expect(s.callsTo('postJobBuildWithParameters')).toHaveLength(2);
    s.assertClean();
  });

  it.each([
    [401, 'Unauthorized', /refused the credentials \(401\)/],
    [403, '<html><head><title>Error 403</title></head><body><h2>HTTP ERROR 403 opsbot is missing the Job/Build permission</h2></body></html>', /denied .*\(403\): HTTP ERROR 403 opsbot is missing the Job\/Build permission/],
    [404, 'Not Found', /found no such thing .*\(404\)/],
    [409, 'Job api-deploy is disabled', /\(409\): Job api-deploy is disabled/],
    [500, 'java.lang.NullPointerException', /failed .*\(500\): java\.lang\.NullPointerException/],
  ])('turns a %i answer into a BackendError with Jenkins\' words, sent exactly once', async (status, body, message) => {
    const s = await start({ getCrumb: crumb(), postJobBuildWithParameters: () => ({ status, body }) });
    const error = await pipeline(s.url).start({ ref: null, variables: { ENV: 'x' } }, signal()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as Error).message).toMatch(message);
    expect(s.callsTo('postJobBuildWithParameters')).toHaveLength(1);
  });

  it('does not retry a trigger that timed out, and says the build may exist', async () => {
    let posts = 0;
    const s = await start({
      getCrumb: crumb(),
      // The first trigger answers at once (it warms the contract server up); the second hangs.
      postJobBuildWithParameters: () =>
        ++posts === 1 ? queued()({} as never) : new Promise((resolve) => setTimeout(() => resolve({ status: 201, headers: { location: 'x' } }), 3_000)),
    });
    const backend = pipeline(s.url, { requestTimeoutMs: 500 });
    await backend.start({ ref: null, variables: { ENV: 'x' } }, signal());
    const error = await backend.start({ ref: null, variables: { ENV: 'x' } }, signal()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as Error).message).toMatch(/did not answer within 500 ms .*may or may not have been queued/);
    expect(s.callsTo('postJobBuildWithParameters')).toHaveLength(2);
  });

  it('reports an unreachable server clearly', async () => {
    const port = await closedPort();
    const error = await pipeline(`http://127.0.0.1:${port}`).start({ ref: null, variables: {} }, signal()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as Error).message).toMatch(new RegExp(`Cannot reach Jenkins at http://127.0.0.1:${port}: .*ECONNREFUSED`));
  });
});

describe('following a build', () => {
  it('waits out the queue, streams the progressive log line by line and ends with the result', async () => {
    let polls = 0;
    const s = await start({
      getQueueItem: () => ({ status: 200, body: ++polls === 1 ? jenkins.queueWaiting() : jenkins.queueLeft() }),
      getProgressiveText: (call) => progressiveText(Number(call.query.start ?? 0)),
      getBuild: () => ({ status: 200, body: { ...jenkins.buildFinished(), result: 'SUCCESS' } }),
    });
    const updates: PipelineUpdate[] = [];
    const outcome = await pipeline(s.url).follow({ pipeline: 'build', backend: 'jenkins', id: 'queue-1234', url: null }, (u) => updates.push(u), signal());

    expect(outcome.state).toBe('succeeded');
    expect(outcome.run).toMatchObject({ id: '57', url: 'http://127.0.0.1:8080/job/api-deploy/57/' });
    expect(outcome.summary).toBe('Build #57 finished SUCCESS in 93 s.');
    expect(updates[0]).toMatchObject({ state: 'queued', step: 'queued: In the quiet period. Expires in 4.9 sec' });
    expect(updates.flatMap((u) => u.lines)).toEqual(progressiveText.lines);
    expect(updates.at(-1)?.step).toBe('build #57 running: Deploy');
    // Each chunk was asked for from the offset the previous one reported.
    expect(s.callsTo('getProgressiveText').map((c) => c.query.start)).toEqual(progressiveText.offsets.map(String));
    s.assertClean();
  });

  it('waits out Jenkins being unavailable (a 503 in the queue while it restarts, a 502 from a proxy in the log), losing and repeating no console line', async () => {
    let queueReads = 0;
    let logReads = 0;
    const s = await start({
      getQueueItem: () => (++queueReads === 1 ? { status: 503, body: 'Jenkins is getting ready to work' } : { status: 200, body: jenkins.queueLeft() }),
      // The second chunk's first ask meets a proxy's 502; it is asked again from the same offset.
      getProgressiveText: (call) => (++logReads === 2 ? { status: 502, body: '<html><title>502 Bad Gateway</title></html>' } : progressiveText(Number(call.query.start ?? 0))),
      getBuild: () => ({ status: 200, body: { ...jenkins.buildFinished(), result: 'SUCCESS' } }),
    });
    const updates: PipelineUpdate[] = [];
    const outcome = await pipeline(s.url).follow({ pipeline: 'build', backend: 'jenkins', id: 'queue-1234', url: null }, (u) => updates.push(u), signal());
    expect(outcome.state).toBe('succeeded');
    expect(updates[0]).toMatchObject({ state: 'queued', step: expect.stringMatching(/^Jenkins failed queue item 1234 \(503\): Jenkins is getting ready to work\. Asking again in 1s; the run goes on on the server\.$/) });
    expect(updates.some((u) => u.state === 'running' && /^Jenkins failed the console log of build #57 \(502\): 502 Bad Gateway\. Asking again/.test(u.step))).toBe(true);
    expect(updates.flatMap((u) => u.lines)).toEqual(progressiveText.lines);
    const starts = s.callsTo('getProgressiveText').map((c) => c.query.start);
    expect(starts).toEqual([progressiveText.offsets[0], progressiveText.offsets[1], ...progressiveText.offsets.slice(1)].map(String));
    s.assertClean();
  });

  it('gives up once Jenkins stays unavailable past the outage bound, saying the build may go on', async () => {
    const s = await start({ getBuild: () => ({ status: 503, body: 'Jenkins is going to shut down' }), getProgressiveText: () => ({ status: 200, body: '', headers: { 'x-text-size': '0' } }) });
    const error = await pipeline(s.url, { outageMs: 200 })
      .follow({ pipeline: 'build', backend: 'jenkins', id: '57', url: null }, () => undefined, signal())
      .catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^Jenkins failed build #57 of api-deploy \(503\): Jenkins is going to shut down\. It stayed unavailable for .*; the run may still be going on the server\.$/);
    expect(s.callsTo('getBuild').length).toBeGreaterThan(1);
  });

  it.each([
    ['FAILURE', 'failed'],
    ['UNSTABLE', 'failed'],
    ['ABORTED', 'cancelled'],
  ])('maps the result %s to %s', async (result, state) => {
    const s = await start({
      getProgressiveText: () => ({ status: 200, body: 'done\n', headers: { 'x-text-size': '5' } }),
      getBuild: () => ({ status: 200, body: { ...jenkins.buildFinished(), result } }),
    });
    const outcome = await pipeline(s.url).follow({ pipeline: 'build', backend: 'jenkins', id: '57', url: null }, () => undefined, signal());
    expect(outcome.state).toBe(state);
    expect(outcome.summary).toContain(result);
    s.assertClean();
  });

  it('ends as cancelled when the queue item is cancelled in Jenkins', async () => {
    const s = await start({ getQueueItem: () => ({ status: 200, body: jenkins.queueCancelled() }) });
    const error = await pipeline(s.url).follow({ pipeline: 'build', backend: 'jenkins', id: 'queue-1235', url: null }, () => undefined, signal()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CancelledError);
    expect((error as Error).message).toMatch(/cancelled queue item 1235/);
    s.assertClean();
  });

  it('gives up on a stuck queue item after the queue timeout and removes it from the queue', async () => {
    const stuck = { ...jenkins.queueWaiting(), _class: 'hudson.model.Queue$BuildableItem', stuck: true, why: 'Waiting for next available executor' };
    const s = await start({
      getCrumb: crumb(),
      getQueueItem: () => ({ status: 200, body: stuck }),
      cancelQueueItem: () => ({ status: 204 }),
    });
    const updates: PipelineUpdate[] = [];
    const error = await pipeline(s.url, { queueTimeoutMs: 30 }).follow({ pipeline: 'build', backend: 'jenkins', id: 'queue-1234', url: null }, (u) => updates.push(u), signal()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as Error).message).toMatch(/waited .* in the Jenkins queue \(stuck: Waiting for next available executor\) and was removed from the queue/);
    expect(updates[0]?.step).toBe('queued: stuck: Waiting for next available executor');
    expect(s.callsTo('cancelQueueItem')[0]?.query).toEqual({ id: '1234' });
    s.assertClean();
  });

  it('stops polling as soon as the signal aborts', async () => {
    const s = await start({ getQueueItem: () => ({ status: 200, body: jenkins.queueWaiting() }) });
    const controller = new AbortController();
    const following = pipeline(s.url, { pollIntervalMs: 60_000 }).follow({ pipeline: 'build', backend: 'jenkins', id: 'queue-1234', url: null }, () => controller.abort(new CancelledError('stop')), controller.signal);
    await expect(following).rejects.toThrow('stop');
    expect(s.callsTo('getQueueItem')).toHaveLength(1);
  });
});

describe('stopping, status and retry', () => {
  it('stops a running build with the crumb (302 is success)', async () => {
    const s = await start({ getCrumb: crumb(), stopBuild: () => ({ status: 302, headers: { location: '/job/api-deploy/57/' } }) });
    expect(await pipeline(s.url).cancel({ pipeline: 'build', backend: 'jenkins', id: '57', url: null }, signal())).toBe('Asked Jenkins to stop build #57.');
    expect(s.callsTo('stopBuild')[0]?.headers['jenkins-crumb']).toBe(jenkins.crumb().crumb);
    s.assertClean();
  });

  it('reads the status of a running build from the upstream fixture shape', async () => {
    const s = await start({ getBuild: () => ({ status: 200, body: jenkins.buildRunning() }) });
    const snapshot = await pipeline(s.url).status({ pipeline: 'build', backend: 'jenkins', id: '57', url: null }, signal());
    expect(snapshot).toMatchObject({ state: 'running', summary: 'Build #57 is running.' });
    s.assertClean();
  });

  it('retries as a new build with the parameters of the old one', async () => {
    const s = await start({ getBuild: () => ({ status: 200, body: { ...jenkins.buildRunning(), building: false, result: 'FAILURE' } }), getCrumb: crumb(), postJobBuildWithParameters: queued(1300) });
    const run = await pipeline(s.url).retry({ pipeline: 'build', backend: 'jenkins', id: '57', url: null }, signal(), asTheyWere);
    expect(run.id).toBe('queue-1300');
    expect(s.callsTo('postJobBuildWithParameters')[0]?.body).toEqual({ ENV: 'production' });
    s.assertClean();
  });

  it('retries with the parameters of an upstream build fixture (mixed string and number values)', async () => {
    const fixture = jenkins.upstreamBuild();
    const s = await start({ getBuild: () => ({ status: 200, body: fixture }), getCrumb: crumb(), postJobBuildWithParameters: queued(1301) });
    await pipeline(s.url, { refParameter: null }).retry({ pipeline: 'build', backend: 'jenkins', id: String(fixture.number), url: null }, signal(), asTheyWere);
    const expected = Object.fromEntries(jenkins.upstreamParameters(fixture).map((p) => [p.name, String(p.value)]));
    expect(s.callsTo('postJobBuildWithParameters')[0]?.body).toEqual(expected);
    s.assertClean();
  });
});

describe('retry through the catalog', () => {
  /** The pipeline `build` as the config declares it: only these variables, each typed. */
  function port(url: string, variables: PipelineConfig['variables']): PipelinePort {
    const config: PipelineConfig = {
      description: null,
      backend: { kind: 'jenkins', url, job: 'api-deploy', user: 'opsbot', token: 'api-token-123', refParameter: 'BRANCH', parameterized: true, queueTimeout: 60_000 },
      variables,
      refPattern: '^(main|release/[0-9.]+)$',
      permission: null,
      pollInterval: 5,
      requestTimeout: 5_000,
    };
    return createPipelinePortFromConfig({ pipelines: { build: config }, hub: new PipelineEventHub(), authorize: () => undefined });
  }
  const run57 = { pipeline: 'build', backend: 'jenkins' as const, id: '57', url: null };
  const ENV = { type: 'enum' as const, values: ['staging', 'production'], required: false, default: 'staging', description: null };

  it('passes on the catalog\'s variables, checked, and leaves the others to Jenkins\' defaults', async () => {
    const fixture = jenkins.upstreamBuild();
    const s = await start({ getBuild: () => ({ status: 200, body: fixture }), getCrumb: crumb(), postJobBuildWithParameters: queued(1302) });
    const notes: string[] = [];
    await port(s.url, { lastBuild: { type: 'integer', min: 1, max: 100, required: true, default: null, description: null } }).retry({ ...run57, id: String(fixture.number) }, signal(), (line) => notes.push(line));
    expect(s.callsTo('postJobBuildWithParameters')[0]?.body).toEqual({ lastBuild: '1' });
    expect(notes).toEqual([`Not passed on from build#${fixture.number} (not variables of \`build\` in the config; the server's defaults apply): masterBuild.`]);
    s.assertClean();
  });

  it('refuses a build whose parameters the catalog would not accept, and starts nothing', async () => {
    // As if someone had started build 57 in Jenkins itself with ENV=qa.
    const typedInJenkins = JSON.parse(JSON.stringify(jenkins.buildRunning()).replace('"production"', '"qa"')) as Record<string, unknown>;
    const s = await start({ getBuild: () => ({ status: 200, body: { ...typedInJenkins, building: false, result: 'FAILURE' } }) });
    const retried = port(s.url, { ENV }).retry(run57, signal());
    await expect(retried).rejects.toBeInstanceOf(UsageError);
    await expect(retried).rejects.toThrow(/^build#57 cannot be retried as it ran: /);
    expect(s.callsTo('postJobBuildWithParameters')).toEqual([]);
  });

  it('refuses a ref outside the pipeline\'s ref pattern', async () => {
    const withRef = JSON.parse(JSON.stringify(jenkins.buildRunning()).replace('"name":"ENV"', '"name":"BRANCH"').replace('"production"', '"feature/x"')) as Record<string, unknown>;
    const s = await start({ getBuild: () => ({ status: 200, body: { ...withRef, building: false, result: 'FAILURE' } }) });
    await expect(port(s.url, { ENV }).retry(run57, signal())).rejects.toThrow('build#57 cannot be retried as it ran: `feature/x` is not an acceptable ref for `build`');
    expect(s.callsTo('postJobBuildWithParameters')).toEqual([]);
  });
});
