/**
 * The HTTP side: POST /mattermost/command (form-encoded, as Mattermost sends slash commands),
 * POST /mattermost/action (button clicks) and POST /mattermost/dialog (dialog submissions), both JSON.
 * Malformed requests get 400 with the reason; a slash command with a missing or wrong token gets 401.
 */
import type { FastifyInstance } from 'fastify';
import type { MattermostAdapter } from './adapter.js';
import { parseActionRequest, parseDialogSubmission, parseForm, parseSlashRequest } from './inbound.js';

export const COMMAND_PATH = '/mattermost/command';
export const ACTION_PATH = '/mattermost/action';
export const DIALOG_PATH = '/mattermost/dialog';

export function mattermostRoutes(adapter: MattermostAdapter): (app: FastifyInstance) => void {
  return (app) => {
    // In its own plugin scope, so the form parser applies to these routes only.
    void app.register(async (scope) => {
      scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => done(null, body));

      scope.post(COMMAND_PATH, async (request, reply) => {
        if (typeof request.body !== 'string') {
          return reply.status(400).send({ error: 'expected a form (application/x-www-form-urlencoded), as Mattermost sends slash commands' });
        }
        const parsed = parseSlashRequest(parseForm(request.body), request.headers.authorization);
        if (!parsed.ok) return reply.status(400).send({ error: parsed.reason });
        const answer = await adapter.command(parsed.value);
        return reply.status(answer.status).send(answer.body);
      });

      scope.post(ACTION_PATH, async (request, reply) => {
        const parsed = parseActionRequest(request.body);
        if (!parsed.ok) return reply.status(400).send({ error: parsed.reason });
        return reply.send(await adapter.action(parsed.value));
      });

      scope.post(DIALOG_PATH, async (request, reply) => {
        const parsed = parseDialogSubmission(request.body);
        if (!parsed.ok) return reply.status(400).send({ error: parsed.reason });
        return reply.send(await adapter.dialog(parsed.value));
      });
      return Promise.resolve();
    });
  };
}
