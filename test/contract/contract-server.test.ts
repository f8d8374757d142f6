import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startContractServer, type ContractServer } from '../support/contract/contract-server.js';
import { readShared, sharedDir } from '../support/shared.js';

const mattermostSpec = (): string => join(sharedDir(), 'contracts', 'mattermost', 'mattermost-openapi-v4.yaml');
const botConnectorSpec = (): string => join(sharedDir(), 'contracts', 'botframework', 'botframework-connector-v3.swagger.json');

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

describe('contract server', () => {
  let server: ContractServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('routes a valid request to its handler and stays clean', async () => {
    server = await startContractServer({
      spec: mattermostSpec(),
      handlers: { CreatePost: (call) => ({ status: 201, body: { id: 'p1', channel_id: (call.body as { channel_id: string }).channel_id, message: 'ok' } }) },
    });
    const response = await post(`${server.url}/api/v4/posts`, readShared('contracts', 'mattermost', 'examples', 'create-post.request.json'), { authorization: 'BEARER token' });
    expect(response.status).toBe(201);
    expect(server.callsTo('CreatePost')).toHaveLength(1);
    server.assertClean();
  });

  it('refuses and records a body that breaks the spec', async () => {
    server = await startContractServer({ spec: mattermostSpec(), handlers: { CreatePost: () => ({ status: 201, body: {} }) } });
    const response = await post(`${server.url}/api/v4/posts`, { message: 'no channel' }, { authorization: 'Bearer t' });
    expect(response.status).toBe(400);
    expect(server.violations.map((v) => v.kind)).toEqual(['request']);
    expect(() => server?.assertClean()).toThrow(/channel_id/);
  });

  it('refuses a request without the credentials the spec requires', async () => {
    server = await startContractServer({ spec: mattermostSpec(), handlers: { CreatePost: () => ({ status: 201, body: {} }) } });
    const response = await post(`${server.url}/api/v4/posts`, { channel_id: 'c', message: 'm' });
    expect(response.status).toBe(401);
    expect(server.violations[0]?.kind).toBe('auth');
  });

  it('refuses paths the spec does not have, and calls the test did not expect', async () => {
    server = await startContractServer({ spec: mattermostSpec() });
    expect((await fetch(`${server.url}/api/v4/not-a-thing`)).status).toBe(404);
    expect((await post(`${server.url}/api/v4/posts`, { channel_id: 'c', message: 'm' }, { authorization: 'Bearer t' })).status).toBe(501);
    expect(server.violations.map((v) => v.kind)).toEqual(['unknown-operation', 'no-handler']);
  });

  it('catches a fake reply that the real API would never send', async () => {
    server = await startContractServer({ spec: mattermostSpec(), handlers: { GetPost: () => ({ status: 200, body: { id: 42 } }) } });
    await fetch(`${server.url}/api/v4/posts/abc`, { headers: { authorization: 'Bearer t' } });
    expect(server.violations.map((v) => v.kind)).toEqual(['response']);
  });

  it('serves Swagger 2 specs (Bot Connector) after conversion', async () => {
    server = await startContractServer({
      spec: botConnectorSpec(),
      apiRoot: '/',
      handlers: { Conversations_ReplyToActivity: () => ({ status: 200, body: { id: 'a2' } }) },
      authorize: (call) => (/^Bearer \S+/.test(String(call.headers.authorization ?? '')) ? null : 'Bot Connector calls need a bearer token'),
    });
    const reply = readShared('contracts', 'botframework', 'examples', 'reply-with-adaptive-card.request.json');
    const ok = await post(`${server.url}/v3/conversations/c1/activities/a1`, reply, { authorization: 'Bearer jwt' });
    expect(ok.status).toBe(200);
    server.assertClean();
    const noAuth = await post(`${server.url}/v3/conversations/c1/activities/a1`, reply);
    expect(noAuth.status).toBe(401);
  });
});
