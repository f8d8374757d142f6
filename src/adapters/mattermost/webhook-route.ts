/**
 * POST /mattermost/webhook: the callback URL of Mattermost outgoing webhooks, form-encoded or JSON as
 * the webhook's content type setting says. Malformed payloads and other content types get 400 with
 * the reason, a missing or wrong token 401; bodies are limited like every route's (server bodyLimit).
 */
import type { FastifyInstance } from 'fastify';
import { parseWebhookRequest } from './webhook-inbound.js';
import type { WebhookAdapter } from './webhook.js';

export const WEBHOOK_PATH = '/mattermost/webhook';

export function webhookRoutes(webhook: WebhookAdapter): (app: FastifyInstance) => void {
  return (app) => {
    // Its own plugin scope: every body arrives as text and the route reads it by its content type,
    // so a wrong content type is a 400 with a reason, and the other routes keep their parsers.
    void app.register(async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

      scope.post(WEBHOOK_PATH, async (request, reply) => {
        const parsed = parseWebhookRequest(request.headers['content-type'], request.body);
        if (!parsed.ok) return reply.status(400).send({ error: parsed.reason });
        const answer = await webhook.handle(parsed.value);
        return reply.status(answer.status).send(answer.body);
      });
      return Promise.resolve();
    });
  };
}
