/**
 * opsbot with its Teams adapter, end to end on loopback: the real app (SQLite in a temp dir), the
 * real fastify server with POST /api/messages, botbuilder's CloudAdapter with Bot Framework
 * authentication ON against a test identity provider, and a Bot Connector checked against the
 * published swagger. Activities are posted with a channel token the test signs.
 */
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { startTeamsAdapter, type TeamsAdapter } from '../../../src/adapters/teams/index.js';
import type { AccessConfig, TeamsConfig } from '../../../src/config/types.js';
import { defineCommand, type Command } from '../../../src/core/command.js';
import { msg } from '../../../src/core/message.js';
import { createHttpServer } from '../../../src/http/server.js';
import { startContractServer, type ContractCall, type ContractServer } from '../../support/contract/contract-server.js';
import { Gates, startTestApp, type TestApp } from '../../support/app.js';
import { readShared, sharedDir } from '../../support/shared.js';
import { startIdentityProvider, type IdentityProvider } from './identity-provider.js';

export const APP_ID = '00000000-0000-4000-8000-00000000b007';
export const BOT_ID = `28:${APP_ID}`;
export const TENANT = '72f988bf-0000-4000-8000-0000000000aa';
export const CHANNEL = '19:abcdef0123456789@thread.tacv2';
export const PERSONAL = 'a:1pErSoNaLcOnVeRsAtIoNiD';
/** Alan, the operator of the contract examples. */
export const ALAN = { aad: '6b1f8c1e-0000-4000-8000-00000000a11a', id: '29:1a2b3c4d5e6f-user-id', name: 'Alan Admin' };
/** Vera may only read. */
export const VERA = { aad: '7c2e9d2f-0000-4000-8000-00000000e7a0', id: '29:vera-user-id', name: 'Vera Viewer' };

export const teamsAccess: AccessConfig = {
  roles: {
    operator: { members: [`teams:${ALAN.aad}`], allow: ['*'] },
    viewer: { members: [`teams:${VERA.aad}`], allow: ['jobs:list', 'jobs:read'] },
  },
  everyone: { allow: ['help', 'whoami'] },
  channels: { [`teams:${CHANNEL}`]: { commands: ['*'] }, [`teams:${PERSONAL}`]: { commands: ['*'] } },
  defaultChannel: { commands: ['help', 'whoami'] },
};

export function teamsConfig(overrides: Partial<TeamsConfig> = {}): TeamsConfig {
  return {
    appId: APP_ID,
    appPassword: 'test-app-password-not-a-real-one',
    appTenantId: null,
    tenants: [TENANT],
    actionSecret: 'test-action-secret-0123456789abcdef0123456789',
    actionTtl: 60 * 60_000,
    publicUrl: 'https://opsbot.example.com',
    manifest: {
      name: 'opsbot',
      developerName: 'opsbot',
      websiteUrl: 'https://opsbot.example.com',
      privacyUrl: 'https://opsbot.example.com',
      termsOfUseUrl: 'https://opsbot.example.com',
      version: '1.0.0',
      accentColor: '#2F6FDE',
    },
    ...overrides,
  };
}

/** Tests open `rollout:<target>` to let a rollout finish. */
export const gates = new Gates();

/** `rollout <target> <colour>`: a job with a step, locked per target, held at a gate. */
const rollout = defineCommand({
  name: 'rollout',
  summary: 'Test job: roll a colour out to a target.',
  examples: ['rollout store-pl blue'],
  args: {
    target: { type: 'string', positional: 0, required: true, pattern: /^[a-z][a-z0-9-]*$/, description: 'Target.' },
    colour: { type: 'string', positional: 1, required: true, enum: ['blue', 'green'], description: 'Colour.' },
  },
  permission: (a) => `rollout:${a.target}`,
  sideEffect: 'mutates',
  lock: (a) => a.target,
  run: async (a, ctx) => {
    ctx.progress('switching traffic', { done: 1, total: 2 });
    // Held until the test opens the gate, so the live card is seen running before it ends.
    await gates.wait(`rollout:${a.target}`, ctx.signal);
    return msg.titled(`${a.target} now serves ${a.colour}`, 'success', { kind: 'text', text: 'Traffic switched.' });
  },
});

/** `wipe <target>`: destructive, so it asks for confirmation first. */
const wipe = defineCommand({
  name: 'wipe',
  summary: 'Test job: destructive, confirmed first.',
  examples: ['wipe store-pl'],
  args: { target: { type: 'string', positional: 0, required: true, pattern: /^[a-z][a-z0-9-]*$/, description: 'Target.' } },
  permission: (a) => `wipe:${a.target}`,
  sideEffect: 'destructive',
  lock: (a) => a.target,
  run: (a) => msg.text(`${a.target} wiped`, 'success'),
});

export const testCommands: readonly Command[] = [rollout, wipe];

export function botConnectorSpec(): string {
  return join(sharedDir(), 'contracts', 'botframework', 'botframework-connector-v3.swagger.json');
}

export interface TeamsHarness {
  readonly test: TestApp;
  readonly idp: IdentityProvider;
  readonly connector: ContractServer;
  readonly adapter: TeamsAdapter;
  readonly http: FastifyInstance;
  /** Base URL of opsbot's HTTP server. */
  readonly url: string;
  /** Posts an activity to /api/messages with a valid channel token (or the given Authorization, or none). */
  send(activity: Record<string, unknown>, auth?: { authorization?: string | null }): Promise<{ status: number; body: unknown }>;
  /** Connector calls whose body is an activity (posts, replies, edits), in order. */
  sent(): ContractCall[];
  close(): Promise<void>;
}

let counter = 0;

export async function startTeamsHarness(options: { config?: Partial<TeamsConfig>; answerWithinMs?: number; extraCommands?: readonly Command[] } = {}): Promise<TeamsHarness> {
  const config = teamsConfig(options.config);
  const idp = await startIdentityProvider({ appId: config.appId, appPassword: config.appPassword });
  const connector = await startContractServer({
    spec: botConnectorSpec(),
    handlers: {
      Conversations_ReplyToActivity: () => ({ status: 200, body: { id: `reply-${++counter}` } }),
      Conversations_SendToConversation: () => ({ status: 201, body: { id: `post-${++counter}` } }),
      Conversations_UpdateActivity: (call) => ({ status: 200, body: { id: call.params.activityId ?? '' } }),
    },
    authorize: (call) => (call.headers.authorization === `Bearer ${idp.accessToken}` ? null : `expected the token from the identity provider, got ${String(call.headers.authorization)}`),
  });
  const test = await startTestApp({ access: teamsAccess, extraCommands: [...testCommands, ...(options.extraCommands ?? [])] });
  const { app } = test;
  const adapter = startTeamsAdapter({
    config,
    dispatcher: app.dispatcher,
    store: app.store,
    clock: test.clock,
    logger: app.logger,
    outbox: app.outbox,
    liveJobs: app.liveJobs,
    notifier: app.notifier,
    profiles: app.profiles,
    endpoints: {
      ToBotFromChannelOpenIdMetadataUrl: idp.openIdMetadataUrl,
      ToBotFromChannelTokenIssuer: idp.issuer,
      ToChannelFromBotLoginUrl: idp.loginUrl,
      ValidateAuthority: false,
    },
    ...(options.answerWithinMs === undefined ? {} : { answerWithinMs: options.answerWithinMs }),
  });
  const http = createHttpServer({ store: app.store, metrics: app.metrics, logger: app.logger, isDraining: () => false, routes: [adapter.routes] });
  await http.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(http.server.address() as AddressInfo).port}`;

  return {
    test,
    idp,
    connector,
    adapter,
    http,
    url,
    async send(activity, auth = {}) {
      const authorization =
        auth.authorization === undefined
          ? `Bearer ${await idp.channelToken(typeof activity.serviceUrl === 'string' ? { serviceUrl: activity.serviceUrl } : {})}`
          : auth.authorization;
      const response = await fetch(`${url}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization === null ? {} : { authorization }) },
        body: JSON.stringify(activity),
      });
      const text = await response.text();
      return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
    },
    sent: () => connector.calls.filter((c) => ['Conversations_ReplyToActivity', 'Conversations_SendToConversation', 'Conversations_UpdateActivity'].includes(c.operationId)),
    async close() {
      gates.reset();
      await http.close();
      await test.close();
      await connector.close();
      await idp.close();
    },
  };
}

/** An upstream example activity with its serviceUrl pointed at the contract connector. */
export function example(name: string, serviceUrl: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...readShared<Record<string, unknown>>('contracts', 'botframework', 'examples', name), serviceUrl, ...overrides };
}

/** Waits until `check` returns a value (polling; the tests assert what happened, never how fast). */
export async function until<T>(check: () => T | undefined | null | false | Promise<T | undefined | null | false>, what: string, timeoutMs = 20_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The Adaptive Card of an outgoing activity body. */
export function cardOf(call: ContractCall): Record<string, unknown> {
  const body = call.body as { attachments?: { contentType?: string; content?: Record<string, unknown> }[] };
  const card = body.attachments?.find((a) => a.contentType === 'application/vnd.microsoft.card.adaptive')?.content;
  if (card === undefined) throw new Error(`no Adaptive Card in ${call.operationId}`);
  return card;
}

/** All text of a card, for assertions. */
export function cardText(card: unknown): string {
  const out: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (typeof node === 'object' && node !== null) {
      for (const [k, v] of Object.entries(node)) {
        if ((k === 'text' || k === 'title' || k === 'value') && typeof v === 'string') out.push(v);
        else walk(v);
      }
    }
  };
  walk(card);
  return out.join('\n');
}
