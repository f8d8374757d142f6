/**
 * Fallback delivery (issue #6, item 7), through the real composition root: alert posts queued for a
 * Mattermost that cannot be reached (a contract server answering 503, or nothing listening) also go
 * to the configured fallback — a real node:http webhook, or a Teams channel through the Teams
 * adapter — once per content, not once per retry; when Mattermost is back the outbox delivers the
 * backlog there in the order it was queued, losing nothing and sending no fallback twice.
 * Every Mattermost request is checked against its OpenAPI file, every Teams one against the Bot
 * Connector swagger. Runs on SQLite and PostgreSQL.
 */
import { createServer as createHttpServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { startMattermost } from '../../src/adapters/mattermost/index.js';
import { wireAlerts } from '../../src/adapters/alerts/wire.js';
import type { WebhookBody } from '../../src/adapters/fallback-webhook.js';
import type { AlertsConfig } from '../../src/config/types.js';
import type { Store } from '../../src/core/store.js';
import { openPostgresStore } from '../../src/store/postgres.js';
import { alert } from '../alerts/support/fixtures.js';
import { alertsConfig } from '../alerts/support/intake.js';
import { startContractServer, type ContractCall, type ContractServer } from '../support/contract/contract-server.js';
import { eventually, removeTempDirs, startTestApp, type TestApp } from '../support/app.js';
import { startProxy } from '../support/net.js';
import { createTestDatabase } from '../support/postgres.js';
import { mattermostSpec } from '../mattermost/support/contracts.js';
import { BOT_TOKEN, mattermostConfig } from '../mattermost/support/harness.js';
import { CHANNEL, cardOf, cardText, example, startTeamsHarness, type TeamsHarness } from '../teams/support/harness.js';
import { assertValidCard } from '../teams/support/card-schema.js';
import { errorOf, loadText } from '../config/fixtures.js';

const WAIT_MS = 20_000;
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  removeTempDirs();
});

interface CreatedPost {
  readonly id: string;
  readonly rootId: string;
  /** Attachment title, attachment text and message, one per line. */
  readonly text: string;
}

interface Primary {
  readonly server: ContractServer;
  /** While true every post and edit is answered 503 (the request is still checked against the spec). */
  down: boolean;
  /** Posts the server accepted, in order. */
  readonly created: CreatedPost[];
}

/** Mattermost as a contract server that can be "down" (503) and keeps the posts it accepted. */
async function startPrimary(): Promise<Primary> {
  let next = 0;
  const primary = { down: true, created: [] as CreatedPost[] };
  const asPost = (id: string, body: { channel_id: string; message: string; root_id?: string; props?: unknown }) => ({
    id,
    channel_id: body.channel_id,
    root_id: body.root_id ?? '',
    message: body.message,
    props: body.props ?? {},
    create_at: 1_700_000_000_000,
    update_at: 1_700_000_000_000,
    user_id: 'botuser',
  });
  const server = await startContractServer({
    spec: mattermostSpec(),
    authorize: (call) => (new RegExp(`^bearer ${BOT_TOKEN}$`, 'i').test(String(call.headers.authorization ?? '')) ? null : 'not the bot token'),
    handlers: {
      CreatePost: (call: ContractCall) => {
        if (primary.down) return { status: 503 };
        const body = call.body as { channel_id: string; message: string; root_id?: string; props?: { attachments?: { title?: string; text?: string }[] } };
        next += 1;
        const id = `post${next}`;
        const attachment = body.props?.attachments?.[0];
        primary.created.push({ id, rootId: body.root_id ?? '', text: `${attachment?.title ?? ''}\n${attachment?.text ?? ''}\n${body.message}` });
        return { status: 201, body: asPost(id, body) };
      },
      PatchPost: (call: ContractCall) => {
        if (primary.down) return { status: 503 };
        const body = call.body as { message?: string; props?: unknown };
        return { status: 200, body: asPost(call.params.post_id ?? '', { channel_id: 'ch-ops', message: body.message ?? '', props: body.props }) };
      },
    },
  });
  cleanups.push(() => server.close());
  return Object.assign(primary, { server });
}

interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: WebhookBody;
}

interface Hook {
  url: string;
  /** Requests answered with a 2xx, in order. */
  readonly received: Received[];
  /** Status to answer with (default 204). */
  status: number;
}

/** A plain webhook receiver: a real node:http server that records each POST. */
async function startWebhook(): Promise<Hook> {
  const hook: Hook = { url: '', received: [], status: 204 };
  const server: Server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (hook.status < 300) hook.received.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as WebhookBody });
      res.writeHead(hook.status);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  hook.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/opsbot?channel=ops`;
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return hook;
}

/** A free loopback port with nothing listening on it (connection refused). */
async function reservePort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}


// group_interval well inside the outbox's 60 s lease: moving the clock past it must not make a
// delivery in flight look abandoned.
const GROUPING = { by: ['alertname'], wait: 0, interval: 30_000, repeat: 3_600_000 };

/** opsbot with alerts to mattermost:ch-ops, the given fallback, and Mattermost at `mattermostUrl`. */
async function startBot(mattermostUrl: string, alerts: Partial<AlertsConfig>, store?: Store): Promise<TestApp> {
  const t = await startTestApp({ ...(store === undefined ? {} : { store }), config: { alerts: alertsConfig({ defaultTo: ['mattermost:ch-ops'], grouping: GROUPING, ...alerts }) } });
  cleanups.push(() => t.close());
  startMattermost(t.app, mattermostConfig(mattermostUrl, { retryMaxDelay: 100 }), { clock: t.clock });
  return t;
}

/** Ingests and flushes: the group's post (or edit) is queued in the outbox when this returns. */
async function fire(t: TestApp, ...alerts: Parameters<typeof alert>[0][]): Promise<void> {
  const pipeline = t.app.alerts.pipeline;
  if (pipeline === null) throw new Error('alerts are not configured');
  await pipeline.ingest(alerts.map((a) => alert(a)));
  await pipeline.tick();
}

async function headAttempts(t: TestApp): Promise<number> {
  const [head] = await t.store.outbox.list('pending', 1);
  return head?.attempts ?? 0;
}

const engines: { name: string; store(): Promise<Store | undefined> }[] = [
  { name: 'sqlite', store: () => Promise.resolve(undefined) },
  {
    name: 'postgres',
    async store() {
      const db = await createTestDatabase(inject('postgresUrl'));
      // Dropped after the app (which closes the store) is gone: cleanups run in reverse.
      cleanups.push(() => db.drop());
      return openPostgresStore({ url: db.url, poolSize: 4 });
    },
  },
];

describe.each(engines)('fallback webhook while Mattermost answers 503 ($name)', (engine) => {
  it('sends each alert post to the webhook once per change, then delivers the backlog in order when Mattermost is back', async () => {
    const primary = await startPrimary();
    const hook = await startWebhook();
    const t = await startBot(
      primary.server.url,
      {
        webhooks: { pager: { url: hook.url, bearer: 'hook-token-0123456789', timeout: 5_000 } },
        fallback: { to: 'webhook:pager', afterAttempts: 3, afterMs: null },
      },
      await engine.store(),
    );

    // Three groups, queued one after another while Mattermost is down.
    await fire(t, { name: 'HighCPU', instance: 'web-1' });
    await fire(t, { name: 'DiskFull', instance: 'db-1', severity: 'warning', labels: { alertname: 'DiskFull', instance: 'db-1', severity: 'warning' } });
    await fire(t, { name: 'NodeDown', instance: 'web-7' });
    await eventually(() => hook.received.length, (n) => n === 3, 'each group once at the webhook', WAIT_MS);
    // Retries go on; the webhook hears nothing more about the same content.
    const seen = await headAttempts(t);
    await eventually(() => headAttempts(t), (n) => n >= seen + 3, 'three more failed deliveries', WAIT_MS);
    expect(hook.received).toHaveLength(3);
    const first = hook.received.map((r) => r.body);
    expect(first.map((b) => b.title)).toEqual(['[FIRING:1] HighCPU', '[FIRING:1] DiskFull', '[FIRING:1] NodeDown']);
    expect(first[0]).toMatchObject({ source: 'opsbot', severity: 'critical', tone: 'danger', conversation: 'mattermost:ch-ops', key: expect.stringMatching(/^alerts:group:\d+:mattermost:ch-ops$/) });
    expect(first[1]).toMatchObject({ severity: 'warning', tone: 'warning' });
    expect(first[0]?.text).toContain('HighCPU on web-1');
    expect(hook.received.every((r) => r.headers.authorization === 'Bearer hook-token-0123456789' && r.headers['content-type'] === 'application/json')).toBe(true);
    expect(await t.store.outbox.count('dead')).toBe(0);

    // A change of one group is new content: it reaches the webhook once more (its reply does not).
    t.clock.advance(GROUPING.interval + 1_000);
    await fire(t, { name: 'NodeDown', instance: 'web-8' });
    const changed = await eventually(() => hook.received, (r) => r.length === 4, 'the changed group at the webhook', WAIT_MS);
    expect(changed[3]?.body).toMatchObject({ title: '[FIRING:2] NodeDown' });
    expect(changed[3]?.body.text).toContain('NodeDown on web-8');
    const later = await headAttempts(t);
    await eventually(() => headAttempts(t), (n) => n >= later + 3, 'three more failed deliveries', WAIT_MS);
    expect(hook.received).toHaveLength(4);

    // Mattermost is back: the backlog goes there in the order it was queued, and only there.
    primary.down = false;
    await eventually(() => t.store.outbox.count('pending'), (n) => n === 0, 'an empty outbox', WAIT_MS);
    expect(await t.store.outbox.count('dead')).toBe(0);
    const created = primary.created;
    expect(created.map((p) => p.text.split('\n')[0])).toEqual(['[FIRING:1] HighCPU', '[FIRING:1] DiskFull', '[FIRING:2] NodeDown', '']);
    // The root post carries the group as it is now; the reply went into its thread.
    expect(created[2]?.text).toContain('NodeDown on web-8');
    expect(created.slice(0, 3).every((p) => p.rootId === '')).toBe(true);
    expect(created[3]).toMatchObject({ rootId: created[2]?.id });
    expect(created[3]?.text).toContain('+1 firing: web-8');
    // Edits made while it was down were folded into the queued post: nothing to edit afterwards.
    expect(primary.server.callsTo('PatchPost')).toHaveLength(0);
    expect(hook.received).toHaveLength(4);
    primary.server.assertClean();
  });
});

describe('fallback after a duration, while nothing listens at the Mattermost address', () => {
  it('waits for the configured time of failures, sends once, and posts to Mattermost when it is reachable again', async () => {
    const port = await reservePort();
    const hook = await startWebhook();
    const t = await startBot(`http://127.0.0.1:${port}`, {
      webhooks: { pager: { url: hook.url, bearer: null, timeout: 5_000 } },
      fallback: { to: 'webhook:pager', afterAttempts: null, afterMs: 5 * 60_000 },
    });
    await fire(t, { name: 'HighCPU', instance: 'web-1' });
    await eventually(() => headAttempts(t), (n) => n >= 3, 'three refused deliveries', WAIT_MS);
    expect(hook.received).toHaveLength(0);

    t.clock.advance(6 * 60_000);
    await eventually(() => hook.received.length, (n) => n === 1, 'the alert at the webhook', WAIT_MS);
    expect(hook.received[0]?.headers.authorization).toBeUndefined();
    expect(hook.received[0]?.body).toMatchObject({ title: '[FIRING:1] HighCPU', severity: 'critical' });
    const seen = await headAttempts(t);
    await eventually(() => headAttempts(t), (n) => n >= seen + 2, 'more refused deliveries', WAIT_MS);
    expect(hook.received).toHaveLength(1);

    const primary = await startPrimary();
    primary.down = false;
    cleanups.push(await startProxy(port, Number(new URL(primary.server.url).port)));
    await eventually(() => primary.created.length, (n) => n === 1, 'the post in Mattermost', WAIT_MS);
    expect(primary.created[0]?.text).toContain('[FIRING:1] HighCPU');
    await eventually(() => t.store.outbox.count('pending'), (n) => n === 0, 'an empty outbox', WAIT_MS);
    expect(hook.received).toHaveLength(1);
    primary.server.assertClean();
  });

  it('tries a failing webhook again on a later failure, and sends it once it answers', async () => {
    const port = await reservePort();
    const hook = await startWebhook();
    hook.status = 500;
    const t = await startBot(`http://127.0.0.1:${port}`, {
      webhooks: { pager: { url: hook.url, bearer: null, timeout: 5_000 } },
      fallback: { to: 'webhook:pager', afterAttempts: 1, afterMs: null },
    });
    await fire(t, { name: 'HighCPU', instance: 'web-1' });
    await eventually(() => t.logs.filter((e) => e.msg === 'chat unreachable and its fallback failed too; will try again on the next failure').length, (n) => n >= 2, 'two failed webhook calls', WAIT_MS);
    expect(JSON.stringify(t.logs)).not.toContain('hooks/opsbot');
    hook.status = 204;
    await eventually(() => hook.received.length, (n) => n === 1, 'the alert at the webhook', WAIT_MS);
    const seen = await headAttempts(t);
    await eventually(() => headAttempts(t), (n) => n >= seen + 2, 'more refused deliveries', WAIT_MS);
    expect(hook.received).toHaveLength(1);
  });
});

describe('fallback to a Teams channel', () => {
  let h: TeamsHarness;

  it('posts the alert card in the Teams channel while Mattermost is unreachable, once', async () => {
    h = await startTeamsHarness();
    cleanups.push(() => h.close());
    // opsbot learns the Teams channel from a message there (the upstream example activity).
    expect((await h.send(example('teams-message-activity.channel.json', h.connector.url, { text: '<at>OpsBot</at> help' }))).status).toBe(200);
    await eventually(() => h.test.store.conversationRefs.get('teams', CHANNEL), (ref) => ref !== null, 'the channel reference', WAIT_MS);
    // The answer to that message is out before the alert traffic is looked at.
    await eventually(() => h.sent().length, (n) => n >= 1, 'the answer to help', WAIT_MS);
    await eventually(() => h.test.store.outbox.count('pending'), (n) => n === 0, 'an empty outbox', WAIT_MS);
    const port = await reservePort();
    startMattermost(h.test.app, mattermostConfig(`http://127.0.0.1:${port}`, { retryMaxDelay: 100 }), { clock: h.test.clock });
    const app = h.test.app;
    const alerts = wireAlerts({
      config: alertsConfig({ defaultTo: ['mattermost:ch-ops'], grouping: GROUPING, fallback: { to: `teams:${CHANNEL}`, afterAttempts: 2, afterMs: null } }),
      store: app.store.alerts,
      threads: app.store.alertThreads,
      clock: h.test.clock,
      logger: app.logger,
      owner: app.owner,
      outbox: app.outbox,
      notifier: app.notifier,
    });
    cleanups.push(async () => alerts.pipeline?.stop());
    const sentBefore = h.sent().length;
    await alerts.pipeline?.ingest([alert({ name: 'HighCPU', instance: 'web-1' })]);
    await alerts.pipeline?.tick();

    const fallback = await eventually(() => h.sent().slice(sentBefore).filter((c) => c.operationId === 'Conversations_SendToConversation'), (calls) => calls.length === 1, 'the card in Teams', WAIT_MS);
    expect(fallback[0]?.params.conversationId).toBe(CHANNEL);
    const card = cardOf(fallback[0]!);
    assertValidCard(card);
    expect(cardText(card)).toContain('Could not be delivered to mattermost:ch-ops');
    expect(cardText(card)).toContain('HighCPU on web-1');
    const seen = (await h.test.store.outbox.list('pending', 10)).find((e) => e.conversation.platform === 'mattermost')?.attempts ?? 0;
    await eventually(async () => (await h.test.store.outbox.list('pending', 10)).find((e) => e.conversation.platform === 'mattermost')?.attempts ?? 0, (n) => n >= seen + 2, 'more refused deliveries', WAIT_MS);
    expect(h.sent().slice(sentBefore).filter((c) => c.operationId === 'Conversations_SendToConversation')).toHaveLength(1);
    // The Mattermost post is still queued for when that chat is back.
    expect((await h.test.store.outbox.list('pending', 10)).map((e) => e.conversation.platform)).toEqual(['mattermost']);
    h.connector.assertClean();
  });
});

describe('alerts.fallback, alerts.webhooks and alerts.threadReplies in the config', () => {
  const BASE = 'storage:\n  engine: sqlite\n  path: ":memory:"\nalerts:\n';

  it('reads a count or a duration, named webhooks with a bearer from the environment, and a fallback per route', () => {
    const { config, secrets } = loadText(
      `${BASE}  threadReplies: false
  webhooks:
    pager: { url: "https://hooks.example.com/opsbot", bearer: "\${PAGER_TOKEN}", timeout: 3s }
    plain: { url: "http://10.0.0.5:8080/alert" }
  fallback: { to: "webhook:pager", after: 3 }
  routes:
    - name: db
      to: ["mattermost:dba"]
      fallback: { to: "teams:19:abc@thread.tacv2", after: 90s }
    - to: ["mattermost:ops"]
      fallback: { to: "webhook:plain" }
`,
      { PAGER_TOKEN: 'pager-secret-42' },
    );
    const alerts = config.alerts;
    expect(alerts?.threadReplies).toBe(false);
    expect(alerts?.fallback).toEqual({ to: 'webhook:pager', afterAttempts: 3, afterMs: null });
    expect(alerts?.webhooks).toEqual({
      pager: { url: 'https://hooks.example.com/opsbot', bearer: 'pager-secret-42', timeout: 3_000 },
      plain: { url: 'http://10.0.0.5:8080/alert', bearer: null, timeout: 10_000 },
    });
    expect(alerts?.routes.map((r) => r.fallback)).toEqual([
      { to: 'teams:19:abc@thread.tacv2', afterAttempts: null, afterMs: 90_000 },
      { to: 'webhook:plain', afterAttempts: null, afterMs: 120_000 },
    ]);
    expect(secrets).toContain('pager-secret-42');
  });

  it('leaves them out when not written (thread replies stay on)', () => {
    const alerts = loadText(`${BASE}  defaultTo: ["mattermost:ops"]\n`).config.alerts;
    expect(alerts).not.toHaveProperty('threadReplies');
    expect(alerts).not.toHaveProperty('fallback');
    expect(alerts).not.toHaveProperty('webhooks');
  });

  it('refuses a fallback to an unknown webhook, a target that is neither chat nor webhook, and a webhook without an http(s) URL', () => {
    expect(errorOf(`${BASE}  fallback: { to: "webhook:nope" }\n`)).toMatch(/alerts\.fallback\.to: there is no webhook "nope" in alerts\.webhooks/);
    expect(errorOf(`${BASE}  routes:\n    - to: ["mattermost:x"]\n      fallback: { to: "webhook:nope" }\n`)).toMatch(/alerts\.routes\[0\]\.fallback\.to: there is no webhook "nope"/);
    expect(errorOf(`${BASE}  fallback: { to: "slack:ops" }\n`)).toMatch(/is not a fallback/);
    expect(errorOf(`${BASE}  fallback: { to: "webhook:p", after: soon }\n  webhooks:\n    p: { url: "https://h.example" }\n`)).toMatch(/is neither a count of failed deliveries/);
    expect(errorOf(`${BASE}  webhooks:\n    p: { url: "ftp://h.example" }\n`)).toMatch(/is not an http\(s\) URL/);
  });
});
