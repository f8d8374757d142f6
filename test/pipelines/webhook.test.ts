/** POST /webhooks/gitlab with upstream Pipeline Hook samples: token checks, routing to followers, refusals. */
import fc from 'fast-check';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { PipelineEventHub, type PipelineHookEvent } from '../../src/core/pipelines/events.js';
import { gitlabWebhookRoutes, parsePipelineHook } from '../../src/http/gitlab-webhook-route.js';
import { memoryLogger } from '../support/app.js';
import { damaged } from '../support/mutate.js';
import { gitlab } from './support.js';

let http: FastifyInstance | undefined;
afterEach(async () => {
  await http?.close();
  http = undefined;
});

function serve(secrets: { project: string; token: string }[], hub = new PipelineEventHub()): FastifyInstance {
  http = Fastify();
  gitlabWebhookRoutes({ secrets, hub, logger: memoryLogger() })(http);
  return http;
}

const post = (app: FastifyInstance, payload: unknown, headers: Record<string, string>) =>
  app.inject({ method: 'POST', url: '/webhooks/gitlab', headers: { 'x-gitlab-event': 'Pipeline Hook', ...headers }, payload: payload as Record<string, unknown> });

describe('POST /webhooks/gitlab', () => {
  it.each([
    ['gitlab4j', gitlab.gitlab4jPipelineEvent],
    ['go-gitlab', gitlab.goGitlabPipeline],
  ])('delivers the %s Pipeline Hook sample to the follower of project 1, pipeline 31', async (_name, payload) => {
    const hub = new PipelineEventHub();
    const seen: PipelineHookEvent[] = [];
    hub.subscribe({ project: 'gitlab-org/gitlab-test', projectId: 1, pipelineId: 31 }, (e) => seen.push(e));
    hub.subscribe({ project: 'gitlab-org/gitlab-test', projectId: 1, pipelineId: 32 }, () => seen.push({ projectId: 0, pipelineId: 0, status: 'wrong follower', url: null, jobs: [] }));
    const app = serve([{ project: 'gitlab-org/gitlab-test', token: 'hook-secret' }], hub);
    const reply = await post(app, payload(), { 'x-gitlab-token': 'hook-secret' });
    expect(reply.statusCode).toBe(200);
    expect(reply.json()).toEqual({ delivered: 1 });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ projectId: 1, pipelineId: 31, status: 'success' });
    expect(seen[0]?.jobs.map((j) => `${j.stage}/${j.name}:${j.status}`)).toContain('build/build-image:success');
  });

  it('matches the project by numeric id too, and answers 200 with nobody following', async () => {
    const app = serve([{ project: '11', token: 'hook-secret' }]);
    const reply = await post(app, gitlab.hookExample(), { 'x-gitlab-token': 'hook-secret' });
    expect(reply.statusCode).toBe(200);
    expect(reply.json()).toEqual({ delivered: 0 });
  });

  it.each([
    [{}, 401, /missing X-Gitlab-Token/],
    [{ 'x-gitlab-token': 'hook-secreT' }, 401, /does not match/],
    [{ 'x-gitlab-token': 'h' }, 401, /does not match/],
    [{ 'x-gitlab-token': 'hook-secret-but-longer' }, 401, /does not match/],
  ])('refuses %o with %i', async (headers, status, reason) => {
    const hub = new PipelineEventHub();
    let delivered = 0;
    hub.subscribe({ project: 'gitlab-org/gitlab-test', projectId: 1, pipelineId: 31 }, () => (delivered += 1));
    const app = serve([{ project: 'gitlab-org/gitlab-test', token: 'hook-secret' }], hub);
    const reply = await post(app, gitlab.gitlab4jPipelineEvent(), headers);
    expect(reply.statusCode).toBe(status);
    expect(reply.json<{ error: string }>().error).toMatch(reason);
    expect(delivered).toBe(0);
  });

  it('refuses a valid token of another project (403)', async () => {
    const app = serve([{ project: 'group/app', token: 'hook-secret' }]);
    const reply = await post(app, gitlab.gitlab4jPipelineEvent(), { 'x-gitlab-token': 'hook-secret' });
    expect(reply.statusCode).toBe(403);
    expect(reply.json<{ error: string }>().error).toContain('gitlab-org/gitlab-test');
  });

  describe("the event's project must be the one its token belongs to", () => {
    // Project A is the one of the upstream samples (gitlab-org/gitlab-test, id 1); B is another
    // project with its own token, configured by path, whose follower follows a pipeline 31 too.
    const A = 'gitlab-org/gitlab-test';
    const B = 'group/victim';
    const secrets = (a = A) => [
      { project: a, token: 'token-a' },
      { project: B, token: 'token-b' },
    ];
    /** The gitlab4j sample with only `project`'s fields under test changed. */
    const sample = (project: { id?: number; path_with_namespace?: string } = {}) => {
      const payload = gitlab.gitlab4jPipelineEvent() as { project: Record<string, unknown> };
      return { ...payload, project: { ...payload.project, ...project } };
    };
    function followers(options: { a: boolean }) {
      const hub = new PipelineEventHub();
      const seen = { a: 0, b: 0 };
      if (options.a) hub.subscribe({ project: A, projectId: 1, pipelineId: 31 }, () => (seen.a += 1));
      hub.subscribe({ project: B, projectId: 2, pipelineId: 31 }, () => (seen.b += 1));
      return { hub, seen };
    }

    it("refuses A's token on an event with B's project id and A's path (403), and B's follower sees nothing", async () => {
      const { hub, seen } = followers({ a: true });
      const app = serve(secrets(), hub);
      const reply = await post(app, sample({ id: 2 }), { 'x-gitlab-token': 'token-a' });
      expect(reply.statusCode).toBe(403);
      expect(reply.json<{ error: string }>().error).toBe('the event is for project gitlab-org/gitlab-test (id 2), but this token is the webhook token of gitlab-org/gitlab-test (id 1)');
      expect(seen).toEqual({ a: 0, b: 0 });
    });

    it("delivers nothing while no pipeline of A was followed here (A's id unknown), and says so with a 202", async () => {
      const { hub, seen } = followers({ a: false });
      const app = serve(secrets(), hub);
      const reply = await post(app, sample({ id: 2 }), { 'x-gitlab-token': 'token-a' });
      expect(reply.statusCode).toBe(202);
      expect(reply.json<{ ignored: string }>().ignored).toContain('no pipeline of project gitlab-org/gitlab-test is followed here yet');
      expect(seen).toEqual({ a: 0, b: 0 });
    });

    it("refuses A's token on an event with A's id and B's path", async () => {
      const { hub, seen } = followers({ a: true });
      const app = serve(secrets(), hub);
      const reply = await post(app, sample({ path_with_namespace: B }), { 'x-gitlab-token': 'token-a' });
      expect(reply.statusCode).toBe(403);
      expect(reply.json<{ error: string }>().error).toContain('the event is for project group/victim (id 1)');
      expect(seen).toEqual({ a: 0, b: 0 });
    });

    it('checks a project configured by numeric id by that id', async () => {
      const { hub, seen } = followers({ a: false });
      const app = serve(secrets('1'), hub);
      const forged = await post(app, sample({ id: 2 }), { 'x-gitlab-token': 'token-a' });
      expect(forged.statusCode).toBe(403);
      expect(forged.json<{ error: string }>().error).toBe('the event is for project gitlab-org/gitlab-test (id 2), but this token is the webhook token of 1');
      expect((await post(app, sample(), { 'x-gitlab-token': 'token-a' })).json()).toEqual({ delivered: 0 });
      expect(seen).toEqual({ a: 0, b: 0 });
    });

    it("delivers A's own event with A's token, the configured path matched without regard to case", async () => {
      const { hub, seen } = followers({ a: true });
      const app = serve(secrets('GitLab-Org/GitLab-Test'), hub);
      const reply = await post(app, sample(), { 'x-gitlab-token': 'token-a' });
      expect(reply.statusCode).toBe(200);
      expect(reply.json()).toEqual({ delivered: 1 });
      expect(seen).toEqual({ a: 1, b: 0 });
      // B's token does not carry A's event.
      expect((await post(app, sample(), { 'x-gitlab-token': 'token-b' })).statusCode).toBe(403);
      expect(seen).toEqual({ a: 1, b: 0 });
    });
  });

  it('accepts and ignores other events (GitLab disables hooks that keep failing)', async () => {
    const app = serve([{ project: 'gitlab-org/gitlab-test', token: 'hook-secret' }]);
    const job = await post(app, gitlab.goGitlabBuild(), { 'x-gitlab-token': 'hook-secret', 'x-gitlab-event': 'Job Hook' });
    expect(job.statusCode).toBe(202);
    const unlabelled = await app.inject({ method: 'POST', url: '/webhooks/gitlab', headers: { 'x-gitlab-token': 'hook-secret' }, payload: gitlab.goGitlabBuild() });
    expect(unlabelled.statusCode).toBe(202);
  });

  it('answers 400 with a reason for a malformed pipeline event, and 404 when no token is configured', async () => {
    const app = serve([{ project: 'gitlab-org/gitlab-test', token: 'hook-secret' }]);
    const broken = await post(app, { object_kind: 'pipeline', object_attributes: { id: 'x' }, project: { id: 1 } }, { 'x-gitlab-token': 'hook-secret' });
    expect(broken.statusCode).toBe(400);
    expect(broken.json<{ error: string }>().error).toMatch(/object_attributes\.id/);
    const notJson = await app.inject({ method: 'POST', url: '/webhooks/gitlab', headers: { 'x-gitlab-token': 'hook-secret', 'content-type': 'application/json' }, payload: '{nope' });
    expect(notJson.statusCode).toBe(400);
    await http?.close();
    const none = serve([]);
    expect((await post(none, gitlab.gitlab4jPipelineEvent(), { 'x-gitlab-token': 'anything' })).statusCode).toBe(404);
  });

  it('answers a damaged upstream Pipeline Hook (one node replaced or removed) with a 2xx or a 4xx with a reason, never a 5xx', async () => {
    const logger = memoryLogger();
    http = Fastify();
    gitlabWebhookRoutes({ secrets: [{ project: 'gitlab-org/gitlab-test', token: 'hook-secret' }, { project: '11', token: 'hook-secret' }], hub: new PipelineEventHub(), logger })(http);
    const app = http;
    const samples = [gitlab.gitlab4jPipelineEvent(), gitlab.goGitlabPipeline(), gitlab.hookExample()];
    await fc.assert(
      fc.asyncProperty(damaged(samples), async ({ value }) => {
        const reply = await app.inject({ method: 'POST', url: '/webhooks/gitlab', headers: { 'x-gitlab-event': 'Pipeline Hook', 'x-gitlab-token': 'hook-secret', 'content-type': 'application/json' }, payload: JSON.stringify(value) ?? '' });
        expect(reply.statusCode, reply.body).toBeLessThan(500);
        if (reply.statusCode >= 400) expect(reply.json<{ error?: unknown }>().error).toEqual(expect.any(String));
      }),
      { numRuns: 300 },
    );
    expect(logger.entries.filter((entry) => entry.level === 'error')).toEqual([]);
  });

  it('parses the contract example with its builds', () => {
    const parsed = parsePipelineHook(gitlab.hookExample());
    expect(parsed).toEqual({
      event: {
        projectId: 11,
        pipelineId: 61,
        status: 'failed',
        url: 'https://gitlab.example.invalid/group/app/-/pipelines/61',
        jobs: [
          { name: 'deploy-production', stage: 'deploy', status: 'failed' },
          { name: 'build-image', stage: 'build', status: 'success' },
        ],
      },
      path: 'group/app',
    });
  });
});
