/**
 * `/pipeline` through the whole bot (dispatch → policy → job runner → PipelinePort → backend) against
 * the Jenkins and GitLab contract servers, and GitLab's Pipeline events through the real HTTP route.
 */
import Fastify from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { gitlabWebhookSecrets } from '../../src/backends/gitlab/pipelines-from-config.js';
import type { AccessConfig, PipelineConfig, PipelinesConfig } from '../../src/config/types.js';
import { gitlabWebhookRoutes } from '../../src/http/gitlab-webhook-route.js';
import { pipelineAfterInterruption } from '../../src/core/pipelines/interrupted.js';
import { startContractServer, type ContractServer } from '../support/contract/contract-server.js';
import { eventually, people, removeTempDirs, startTestApp, testAccess, type TestApp, type TestAppOptions } from '../support/app.js';
import { closedPort, gitlab, gitlabSpec, jenkins, jenkinsSpec, progressiveText } from './support.js';

const jenkinsAuth = `Basic ${Buffer.from('opsbot:jenkins-token').toString('base64')}`;

function jenkinsPipeline(url: string, extra: Partial<PipelineConfig> = {}): PipelineConfig {
  return {
    description: 'Build the API',
    backend: { kind: 'jenkins', url, job: 'api-deploy', user: 'opsbot', token: 'jenkins-token', refParameter: 'BRANCH', parameterized: true, queueTimeout: 60_000 },
    variables: {
      VERSION: { type: 'string', pattern: '^\\d+\\.\\d+\\.\\d+$', required: true, default: null, description: null },
      ENV: { type: 'enum', values: ['staging', 'production'], required: false, default: 'staging', description: null },
      DEBUG: { type: 'boolean', required: false, default: null, description: null },
      REPLICAS: { type: 'integer', min: 1, max: 10, required: false, default: null, description: null },
    },
    refPattern: '^(main|release/[0-9.]+)$',
    permission: null,
    pollInterval: 5,
    requestTimeout: 5_000,
    ...extra,
  };
}

function gitlabPipeline(url: string): PipelineConfig {
  return {
    description: null,
    backend: { kind: 'gitlab', url, project: 'gitlab-org/gitlab-test', token: 'glpat-x', triggerToken: null, webhookToken: 'hook-secret', ref: 'master', queueTimeout: 600_000 },
    variables: { DEPLOY_ENV: { type: 'enum', values: ['staging', 'production'], required: true, default: null, description: null } },
    refPattern: '^[a-z]+$',
    permission: null,
    // An hour: only a pushed event can make this follower look again within the test.
    pollInterval: 3_600_000,
    requestTimeout: 5_000,
  };
}

let jenkinsServer: ContractServer;
let gitlabServer: ContractServer;
let bot: TestApp;
let queuePolls = 0;
/** Keeps every queue poll answering "waiting" (for cancelling a queued run). */
let stayQueued = false;
let gitlabStatus = 'running';

/** May show, cancel and retry runs, but of no pipeline by name. */
const rita = { platform: 'mattermost', id: 'u-rita', name: 'Rita' } as const;

const access: AccessConfig = {
  ...testAccess,
  roles: {
    ...testAccess.roles,
    // Sam may run pipelines but lacks the extra permission `release` asks for.
    ci: { members: ['mattermost:u-sam'], allow: ['pipeline:*', 'jobs:cancel'] },
    unscoped: { members: ['mattermost:u-rita'], allow: ['pipeline:status', 'pipeline:cancel', 'pipeline:retry', 'jobs:cancel'] },
  },
};

beforeAll(async () => {
  jenkinsServer = await startContractServer({
    spec: jenkinsSpec(),
    authorize: (call) => (call.headers.authorization === jenkinsAuth ? null : 'wrong credentials'),
    handlers: {
      getCrumb: () => ({ status: 200, body: jenkins.crumb() }),
      postJobBuildWithParameters: () => ({ status: 201, headers: { location: `${jenkinsServer.url}/queue/item/1234/` } }),
      getQueueItem: () => ({ status: 200, body: stayQueued || ++queuePolls === 1 ? jenkins.queueWaiting() : jenkins.queueLeft() }),
      getProgressiveText: (call) => progressiveText(Number(call.query.start ?? 0)),
      getBuild: () => ({ status: 200, body: { ...jenkins.buildFinished(), result: 'SUCCESS' } }),
      cancelQueueItem: () => ({ status: 204 }),
    },
  });
  gitlabServer = await startContractServer({
    spec: gitlabSpec(),
    authorize: (call) => (call.headers['private-token'] === 'glpat-x' ? null : 'wrong token'),
    handlers: {
      // Pipeline 31 of project 1: the ids of the upstream Pipeline Hook fixtures.
      postApiV4ProjectsIdPipeline: () => ({ status: 201, body: { ...gitlab.pipeline(), id: 31, project_id: 1, status: 'created' } }),
      getApiV4ProjectsIdPipelinesPipelineId: () => ({ status: 200, body: { ...gitlab.pipeline(), id: 31, project_id: 1, status: gitlabStatus } }),
      getApiV4ProjectsIdPipelinesPipelineIdJobs: () => ({ status: 200, body: gitlab.jobs() }),
    },
  });
});

afterAll(async () => {
  await jenkinsServer.close();
  await gitlabServer.close();
  removeTempDirs();
});

async function startBot(pipelines: PipelinesConfig, jobs: TestAppOptions['jobs'] = {}): Promise<TestApp> {
  bot = await startTestApp({ access, jobs, config: { pipelines } });
  return bot;
}

afterEach(async () => {
  await bot.close();
  jenkinsServer.calls.length = 0;
  gitlabServer.calls.length = 0;
  queuePolls = 0;
  stayQueued = false;
});

describe('/pipeline run on Jenkins', () => {
  it('triggers with typed variables and the ref, follows to the end and records the build and its link', async () => {
    await startBot({ build: jenkinsPipeline(jenkinsServer.url) });
    const done = await bot.runJob('pipeline run build VERSION=1.4.2 DEBUG=yes REPLICAS=3 --ref main');
    expect(done.job.state).toBe('succeeded');
    expect(done.text).toContain('Ran build#57: succeeded');
    expect(done.text).toContain('Build #57 finished SUCCESS in 93 s.');
    expect(done.job.refs).toEqual({ pipeline: 'build', run: '57', url: 'http://127.0.0.1:8080/job/api-deploy/57/' });
    expect(jenkinsServer.callsTo('postJobBuildWithParameters')[0]?.body).toEqual({ VERSION: '1.4.2', ENV: 'staging', DEBUG: 'true', REPLICAS: '3', BRANCH: 'main' });
    // The console log is the job's output, line for line.
    for (const line of progressiveText.lines) expect(done.job.output).toContain(line);
    jenkinsServer.assertClean();
  });

  it('--dry-run says what would run and contacts nothing', async () => {
    await startBot({ build: jenkinsPipeline(jenkinsServer.url) });
    const done = await bot.runJob('pipeline run build VERSION=2.0.0 ENV=production --dry-run');
    expect(done.job.state).toBe('succeeded');
    expect(done.text).toContain(`Would start Jenkins job api-deploy on ${jenkinsServer.url} with VERSION=2.0.0, ENV=production`);
    expect(done.text).toContain('Nothing was contacted.');
    expect(jenkinsServer.calls).toHaveLength(0);
  });

  it('reads KEY="value" as the value without its quotes', async () => {
    await startBot({ build: jenkinsPipeline(jenkinsServer.url) });
    const done = await bot.runJob('pipeline run build VERSION="2.0.0" ENV=\u201cproduction\u201d --dry-run');
    expect(done.job.state).toBe('succeeded');
    expect(done.text).toContain(`Would start Jenkins job api-deploy on ${jenkinsServer.url} with VERSION=2.0.0, ENV=production`);
  });

  it.each([
    ['pipeline run nope VERSION=1.0.0', /There is no pipeline `nope`\. Known pipelines: build\./],
    ['pipeline run build VERSION=1.0.0 FOO=1', /`FOO` is not a variable of `build` \(allowed: VERSION, ENV, DEBUG, REPLICAS\)/],
    ['pipeline run build VERSION=latest', /`latest` is not a valid VERSION/],
    ['pipeline run build VERSION=1.0.0 REPLICAS=x', /`REPLICAS` must be a whole number/],
    ['pipeline run build VERSION=1.0.0 REPLICAS=11', /`REPLICAS` must be at most 10/],
    ['pipeline run build VERSION=1.0.0 ENV=prod', /`prod` is not a valid ENV: use one of staging, production/],
    ['pipeline run build VERSION=1.0.0 DEBUG=maybe', /`DEBUG` must be true or false/],
    ['pipeline run build', /`build` needs `VERSION`/],
    ['pipeline run build VERSION=1.0.0 --ref develop', /`develop` is not an acceptable ref for `build`/],
  ])('refuses `%s` with the usage before any job exists (the command\'s check)', async (text, reason) => {
    await startBot({ build: jenkinsPipeline(jenkinsServer.url) });
    const said = await bot.say(text);
    expect(said.status).toBe('usage');
    expect(said.text).toMatch(reason);
    expect(said.text).toContain('Usage: pipeline <run|status|cancel|retry> <pipeline|job|run>');
    expect(await bot.store.jobs.list({ limit: 10 })).toEqual([]);
    expect(jenkinsServer.calls).toHaveLength(0);
  });

  it('refuses `pipeline run build#57` with the usage before contacting Jenkins', async () => {
    await startBot({ build: jenkinsPipeline(jenkinsServer.url) });
    const done = await bot.runJob('pipeline run build#57');
    expect(done.job.state).toBe('failed');
    expect(done.text).toMatch(/`pipeline run` takes a pipeline name/);
    expect(done.text).toContain('Usage: pipeline <run|status|cancel|retry> <pipeline|job|run>');
    expect(jenkinsServer.calls).toHaveLength(0);
  });

  it.each([
    ['pipeline run build VERSION=1.0.0 --ref ../etc', /not a valid ref/],
    ['pipeline run build VERSION=1.0.0 --ref "main;rm -rf /"', /not a valid ref/],
    ['pipeline run build --extra-vars=x', /Unknown option `--extra-vars`/],
    ['pipeline frobnicate build', /not a valid action/],
    ['pipeline run Build', /not a valid target/],
  ])('refuses `%s` in the parser: no job at all', async (text, reason) => {
    await startBot({ build: jenkinsPipeline(jenkinsServer.url) });
    const said = await bot.say(text);
    expect(said.status).toBe('usage');
    expect(said.text).toMatch(reason);
    expect(await bot.store.jobs.list({ limit: 10 })).toEqual([]);
    expect(jenkinsServer.calls).toHaveLength(0);
  });

  it('needs pipeline:run:<name>, and the extra permission the pipeline names in the config', async () => {
    await startBot({ build: jenkinsPipeline(jenkinsServer.url), release: jenkinsPipeline(jenkinsServer.url, { permission: 'deploy:prod' }) });
    const vera = await bot.say('pipeline run build VERSION=1.0.0', people.vera);
    expect(vera.status).toBe('denied');
    expect(vera.text).toContain('pipeline:run:build');
    const sam = await bot.runJob('pipeline run release VERSION=1.0.0', people.sam);
    expect(sam.job.state).toBe('failed');
    expect(sam.text).toContain('Running `release` also needs the permission `deploy:prod`');
    expect(jenkinsServer.calls).toHaveLength(0);
  });

  it('fails clearly when Jenkins cannot be reached', async () => {
    await startBot({ build: jenkinsPipeline(`http://127.0.0.1:${await closedPort()}`) });
    const done = await bot.runJob('pipeline run build VERSION=1.0.0');
    expect(done.job.state).toBe('failed');
    expect(done.text).toMatch(/Cannot reach Jenkins at http:\/\/127\.0\.0\.1:\d+: /);
    expect(done.text).toContain('ECONNREFUSED');
  });
});

describe('/pipeline status and cancel', () => {
  it('shows a run by its job number and by name#number', async () => {
    await startBot({ build: jenkinsPipeline(jenkinsServer.url) });
    const done = await bot.runJob('pipeline run build VERSION=1.4.2');
    for (const target of [String(done.job.id), 'build#57']) {
      const status = await bot.say(`pipeline status ${target}`);
      expect(status.status).toBe('ok');
      expect(status.text).toContain('build#57: succeeded');
      expect(status.text).toContain('http://127.0.0.1:8080/job/api-deploy/57/');
    }
    expect((await bot.say('pipeline status 9999')).text).toContain('There is no job #9999.');
    jenkinsServer.assertClean();
  });

  it('cancelling the job of a queued run removes the run from the Jenkins queue', async () => {
    await startBot({ build: jenkinsPipeline(jenkinsServer.url, { pollInterval: 50 }) });
    stayQueued = true;
    const { job, completion } = await bot.start('pipeline run build VERSION=1.4.2');
    await eventually(() => jenkinsServer.callsTo('getQueueItem').length, (n) => n > 0, 'the queue poll');
    const cancel = await bot.runJob(`pipeline cancel ${job.id}`);
    expect(cancel.text).toContain(`Cancelling job #${job.id}`);
    expect((await completion).job.state).toBe('cancelled');
    await eventually(() => jenkinsServer.callsTo('cancelQueueItem').length, (n) => n === 1, 'the queue item removal');
    expect(jenkinsServer.callsTo('cancelQueueItem')[0]?.query).toEqual({ id: '1234' });
    jenkinsServer.assertClean();
  });

  it('cancelling or retrying a run also needs the extra permission the pipeline names, by run and by job number', async () => {
    await startBot({ release: jenkinsPipeline(jenkinsServer.url, { permission: 'deploy:prod', pollInterval: 50 }) });
    stayQueued = true;
    const { job, completion } = await bot.start('pipeline run release VERSION=1.4.2');
    await eventually(() => jenkinsServer.callsTo('getQueueItem').length, (n) => n > 0, 'the queue poll');
    // Sam (pipeline:*) lacks deploy:prod: neither the run job nor a run on the server may be stopped by him.
    const byJob = await bot.runJob(`pipeline cancel ${job.id}`, people.sam);
    expect(byJob.job.state).toBe('failed');
    expect(byJob.text).toContain('Cancelling `release` also needs the permission `deploy:prod`');
    const byRun = await bot.runJob('pipeline cancel release#57', people.sam);
    expect(byRun.text).toContain('Cancelling `release` also needs the permission `deploy:prod`');
    // Nor by the plain `cancel`, which checks every permission the run job needed, the pipeline's too.
    const plain = await bot.say(`cancel ${job.id}`, people.sam);
    expect(plain.status).toBe('denied');
    expect(plain.text).toContain(`Job #${job.id} is Olga's: stopping it also needs \`deploy:prod\`, which it needed to start`);
    expect((await bot.store.jobs.get(job.id))?.state).toBe('running');
    expect(jenkinsServer.callsTo('cancelQueueItem')).toEqual([]);
    // Olga has every permission.
    expect((await bot.runJob(`pipeline cancel ${job.id}`)).text).toContain(`Cancelling job #${job.id}`);
    expect((await completion).job.state).toBe('cancelled');
    await eventually(() => jenkinsServer.callsTo('cancelQueueItem').length, (n) => n === 1, 'the queue item removal');
    const contacted = jenkinsServer.calls.length;
    const retry = await bot.runJob('pipeline retry release#57', people.sam);
    expect(retry.text).toContain('Retrying `release` also needs the permission `deploy:prod`');
    expect(jenkinsServer.calls).toHaveLength(contacted);
  });
});

describe('/pipeline by job number', () => {
  it('refuses `pipeline retry <job>` before any job, naming the run: a job number cannot say which pipeline to lock or authorize', async () => {
    await startBot({ build: jenkinsPipeline(jenkinsServer.url) });
    const done = await bot.runJob('pipeline run build VERSION=1.4.2');
    expect(done.job.refs).toMatchObject({ pipeline: 'build', run: '57' });
    expect((await bot.runJob('lock pipeline.build release freeze')).job.state).toBe('succeeded');
    const contacted = jenkinsServer.calls.length;
    // The freeze holds the run…
    expect((await bot.say('pipeline retry build#57')).status).toBe('conflict');
    // …and the job number of that run is no way round it.
    for (const target of [String(done.job.id), `#${done.job.id}`]) {
      const byJob = await bot.say(`pipeline retry ${target}`);
      expect(byJob.status).toBe('usage');
      expect(byJob.text).toContain('`pipeline retry` takes a run, not a job number. Retry the run itself: `pipeline retry build#57`.');
      expect(byJob.text).toContain('Usage: pipeline <run|status|cancel|retry>');
    }
    expect((await bot.say('pipeline retry 9999 --dry-run')).text).toContain('Name the run, e.g. `pipeline retry build#57` (`pipeline status 9999` shows the run of a job).');
    // Nor is it a way round a grant for other pipelines only.
    expect((await bot.say(`pipeline retry ${done.job.id}`, rita)).status).toBe('usage');
    expect((await bot.store.jobs.list({ limit: 10 })).map((j) => j.command)).toEqual(['lock', 'pipeline']);
    expect(jenkinsServer.calls).toHaveLength(contacted);
    const refusals = (await bot.store.audit.recent(10)).filter((e) => e.event === 'rejected');
    expect(refusals.map((e) => [e.principal.id, e.permission])).toEqual([
      ['u-rita', 'pipeline:retry'],
      ['u-olga', 'pipeline:retry'],
      ['u-olga', 'pipeline:retry'],
      ['u-olga', 'pipeline:retry'],
    ]);
  });

  it('status and cancel by job number also need pipeline:<action>:<name> once the job shows the pipeline', async () => {
    await startBot({ build: jenkinsPipeline(jenkinsServer.url) });
    const done = await bot.runJob('pipeline run build VERSION=1.4.2');
    const contacted = jenkinsServer.calls.length;
    const status = await bot.say(`pipeline status ${done.job.id}`, rita);
    expect(status.status).toBe('denied');
    expect(status.text).toContain('Showing a run of `build` needs the permission `pipeline:status:build`');
    expect((await bot.store.audit.recent(1))[0]).toMatchObject({ event: 'denied', principal: rita, permission: 'pipeline:status:build' });
    // The finished run's job: cancelling it would stop the run on the server.
    const cancel = await bot.runJob(`pipeline cancel ${done.job.id}`, rita);
    expect(cancel.job.state).toBe('failed');
    expect(cancel.text).toContain('Cancelling `build` needs the permission `pipeline:cancel:build`');
    expect(jenkinsServer.calls).toHaveLength(contacted);
    // With the pipeline's own permissions (Olga has every one) both still work by job number.
    expect((await bot.say(`pipeline status ${done.job.id}`)).text).toContain('build#57: succeeded');
  });

  it('stopping someone else\'s `pipeline cancel <job>` needs what it needed: pipeline:cancel:<name> of that job\'s pipeline', async () => {
    await startBot({ build: jenkinsPipeline(jenkinsServer.url, { pollInterval: 50 }) });
    stayQueued = true;
    const run = await bot.start('pipeline run build VERSION=1.4.2');
    await eventually(() => jenkinsServer.callsTo('getQueueItem').length, (n) => n > 0, 'the queue poll');
    // A `pipeline cancel <job>` job as another replica would record it (none runs it here).
    const now = bot.clock.now();
    const args = { action: 'cancel', target: String(run.job.id), variables: {} };
    const begun = await bot.store.jobs.begin(
      { command: 'pipeline', text: `pipeline cancel ${run.job.id}`, args, principal: people.olga, conversation: run.job.conversation, lockKey: null, dryRun: false, owner: 'other-replica/1/abcd', timeoutMs: 60_000, now },
      { at: now, event: 'job_started', principal: people.olga, conversation: run.job.conversation, command: 'pipeline', args, permission: 'pipeline:cancel', jobId: null, outcome: null, detail: null, refs: {} },
      { lock: null, queueIfLocked: false },
    );
    if (!begun.ok) throw new Error('could not record the job');
    const refused = await bot.say(`cancel ${begun.job.id}`, rita);
    expect(refused.status).toBe('denied');
    expect(refused.text).toContain('stopping it also needs `pipeline:cancel:build`');
    expect((await bot.runJob(`pipeline cancel ${run.job.id}`)).text).toContain(`Cancelling job #${run.job.id}`);
    expect((await run.completion).job.state).toBe('cancelled');
  });
});

describe('/pipeline run on GitLab with Pipeline events', () => {
  it('takes the pushed event through POST /webhooks/gitlab without waiting for the next poll', async () => {
    gitlabStatus = 'running';
    const pipelines = { app: gitlabPipeline(gitlabServer.url) };
    await startBot(pipelines);
    const http = Fastify();
    gitlabWebhookRoutes({ secrets: gitlabWebhookSecrets(pipelines), hub: bot.app.pipelineEvents, logger: bot.app.logger })(http);
    try {
      const { completion } = await bot.start('pipeline run app DEPLOY_ENV=production');
      await eventually(() => gitlabServer.callsTo('getApiV4ProjectsIdPipelinesPipelineIdJobs').length, (n) => n === 1, 'the first poll');

      gitlabStatus = 'success';
      // The upstream gitlab4j Pipeline Hook sample: project 1, pipeline 31, status success.
      const pushed = await http.inject({ method: 'POST', url: '/webhooks/gitlab', headers: { 'x-gitlab-token': 'hook-secret', 'x-gitlab-event': 'Pipeline Hook' }, payload: gitlab.gitlab4jPipelineEvent() });
      expect(pushed.statusCode).toBe(200);
      expect(pushed.json()).toEqual({ delivered: 1 });

      const done = await completion;
      expect(done.job.state).toBe('succeeded');
      expect(done.job.refs).toMatchObject({ pipeline: 'app', run: '31' });
      // The last progress came from the event: its jobs, counted.
      expect(done.job.step).toBe('pipeline #31 success: test-build failed');
      expect(done.job.progressDone).toBe(4);
      expect(done.job.progressTotal).toBe(5);
      expect(gitlabServer.callsTo('postApiV4ProjectsIdPipeline')[0]?.body).toEqual({ ref: 'master', variables: [{ key: 'DEPLOY_ENV', value: 'production' }] });
      gitlabServer.assertClean();
    } finally {
      await http.close();
    }
  });
});

describe('opsbot dies while following a run', () => {
  it('the run number and link are in the store before opsbot first asks about the run, so the report names them', async () => {
    gitlabStatus = 'running';
    // Progress as slow as a minute: only a write that does not wait for it keeps the run number.
    await startBot({ app: gitlabPipeline(gitlabServer.url) }, { progressThrottle: 60_000 });
    const { job } = await bot.start('pipeline run app DEPLOY_ENV=production');
    // The first poll is where opsbot dies: nothing after it runs.
    await eventually(() => gitlabServer.callsTo('getApiV4ProjectsIdPipelinesPipelineId').length, (n) => n >= 1, 'the first poll');
    const stored = await bot.store.jobs.get(job.id);
    expect(stored?.refs).toMatchObject({ pipeline: 'app', run: '31' });
    const url = stored?.refs.url ?? '';
    expect(url).not.toBe('');
    if (stored === null) throw new Error('no job');
    expect(pipelineAfterInterruption(stored)).toBe(
      `It had started app#31 (${url}), which goes on on the server without opsbot, and its lock is free: \`pipeline status app#31\` shows where it is, \`pipeline cancel app#31\` stops it.`,
    );
  });
});
