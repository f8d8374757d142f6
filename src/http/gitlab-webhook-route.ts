/**
 * POST /webhooks/gitlab: GitLab's Pipeline events, pushed to the follower of that pipeline so chat
 * shows progress before the next poll. The `X-Gitlab-Token` header must equal the webhookToken of a
 * configured pipeline (compared in constant time), and the event's numeric project id must be that
 * pipeline's project (gitlab-webhook-project.ts): a 403 with a reason otherwise. Other events are
 * accepted and ignored (GitLab disables hooks that keep failing); malformed payloads get a 400 with
 * a reason.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Logger } from '../core/log.js';
import type { PipelineEventHub, PipelineHookEvent } from '../core/pipelines/events.js';
import { checkEventProject } from './gitlab-webhook-project.js';

export interface GitlabWebhookDeps {
  /** Per configured GitLab pipeline with a webhookToken: its project (id or path) and the token. */
  readonly secrets: readonly { readonly project: string; readonly token: string }[];
  readonly hub: PipelineEventHub;
  readonly logger: Logger;
}

export const GITLAB_WEBHOOK_PATH = '/webhooks/gitlab';

export function gitlabWebhookRoutes(deps: GitlabWebhookDeps): (app: FastifyInstance) => void {
  // Both sides are reduced to HMACs under a per-process key: equal lengths for timingSafeEqual, and
  // the comparison time says nothing about the configured token.
  const key = randomBytes(32);
  const digest = (text: string): Buffer => createHmac('sha256', key).update(text, 'utf8').digest();
  const secrets = deps.secrets.map((s) => ({ project: s.project, digest: digest(s.token) }));

  return (app) => {
    app.post(GITLAB_WEBHOOK_PATH, async (request, reply) => {
      if (secrets.length === 0) return reply.status(404).send({ error: 'GitLab webhooks are not configured (no pipeline has a webhookToken).' });
      const token = request.headers['x-gitlab-token'];
      if (typeof token !== 'string' || token === '') return reply.status(401).send({ error: 'missing X-Gitlab-Token' });
      const given = digest(token);
      // Every secret is compared, so the time taken does not depend on which one matched.
      const projects = secrets.filter((s) => timingSafeEqual(s.digest, given)).map((s) => s.project);
      if (projects.length === 0) return reply.status(401).send({ error: 'X-Gitlab-Token does not match' });

      const kind = request.headers['x-gitlab-event'];
      if (kind !== undefined && kind !== 'Pipeline Hook') return reply.status(202).send({ ignored: `not a pipeline event (${String(kind)})` });
      const parsed = parsePipelineHook(request.body);
      if (typeof parsed === 'string') {
        if (parsed === 'ignored') return reply.status(202).send({ ignored: 'not a pipeline event' });
        return reply.status(400).send({ error: parsed });
      }
      const { event, path } = parsed;
      const verdict = checkEventProject(projects, { id: event.projectId, path }, (project) => deps.hub.projectIdOf(project));
      if (verdict.kind === 'mismatch') {
        deps.logger.warn({ projectId: event.projectId, path, reason: verdict.reason }, 'refused a gitlab pipeline event for another project');
        return reply.status(403).send({ error: verdict.reason });
      }
      if (verdict.kind === 'unverified') return reply.status(202).send({ ignored: verdict.reason });
      const delivered = deps.hub.publish(event);
      deps.logger.debug({ projectId: event.projectId, pipelineId: event.pipelineId, status: event.status, delivered }, 'gitlab pipeline event');
      return reply.status(200).send({ delivered });
    });
  };
}

/** The fields the follower uses, or why the payload is not a usable Pipeline Hook ('ignored' for other kinds). */
export function parsePipelineHook(body: unknown): { event: PipelineHookEvent; path: string | null } | string {
  if (!isRecord(body)) return 'the body must be a JSON object';
  if (body.object_kind !== 'pipeline') return 'ignored';
  const attributes = body.object_attributes;
  const project = body.project;
  if (!isRecord(attributes) || !isRecord(project)) return 'a pipeline event needs object_attributes and project';
  const id = attributes.id;
  const status = attributes.status;
  const projectId = project.id;
  if (!isId(id) || typeof status !== 'string' || !isId(projectId)) return 'object_attributes.id, object_attributes.status and project.id are required';
  const builds = Array.isArray(body.builds) ? body.builds : [];
  const jobs = builds.filter(isRecord).flatMap((b) =>
    typeof b.name === 'string' && typeof b.status === 'string' ? [{ name: b.name, stage: typeof b.stage === 'string' ? b.stage : '', status: b.status }] : [],
  );
  const url = typeof attributes.url === 'string' ? attributes.url : null;
  const path = typeof project.path_with_namespace === 'string' ? project.path_with_namespace : null;
  return { event: { projectId, pipelineId: id, status, url, jobs }, path };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}
