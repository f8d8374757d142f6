/**
 * Thread replies (issue #6, item 4): each change of an alert group after its first post is told as a
 * reply in the thread of that post ("+2 firing: …", "resolved: …", "all resolved: …", "acked by @…",
 * "silenced for …"), while the post itself is edited in place. Over both store engines through the
 * alert wiring (wireAlerts), then end to end: the reply reaches Mattermost with root_id = the root
 * post (checked against the Mattermost OpenAPI file) and Teams as a post into the channel's reply
 * chain `<channel>;messageid=<root activity>` (checked against the Bot Connector swagger).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startMattermost } from '../../src/adapters/mattermost/index.js';
import { wireAlerts, type AlertsWiring } from '../../src/adapters/alerts/wire.js';
import type { AlertsConfig } from '../../src/config/types.js';
import { parseMatchers } from '../../src/core/alerts/matchers.js';
import type { AlertPoster, ShowOptions } from '../../src/core/alerts/poster.js';
import { changeReply, MAX_TRACKED, threadState, type ThreadState } from '../../src/core/alerts/thread.js';
import type { AlertGroupRecord, StoredAlert } from '../../src/core/alerts/store.js';
import type { Conversation } from '../../src/core/identity.js';
import { silentLogger } from '../../src/core/log.js';
import type { Message } from '../../src/core/message.js';
import { nullNotifier } from '../../src/core/notify.js';
import type { Store } from '../../src/core/store.js';
import { eventually, people, removeTempDirs, startTestApp } from '../support/app.js';
import { integrationViolations } from '../mattermost/support/contracts.js';
import { mattermostConfig, startFakeMattermost, type FakePost } from '../mattermost/support/harness.js';
import { assertValidCard } from '../teams/support/card-schema.js';
import { CHANNEL, cardOf, cardText, example, startTeamsHarness } from '../teams/support/harness.js';
import { alert, at, engines, type Opened } from './support/fixtures.js';
import { alertsConfig } from './support/intake.js';
import { SetClock } from './support/pipeline.js';

const WAIT_MS = 20_000;
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  removeTempDirs();
});

const textOf = (m: Message): string => m.blocks.map((b) => (b.kind === 'text' ? b.text : '')).join('\n');

interface Posted {
  readonly kind: 'show' | 'reply';
  readonly conversation: string;
  readonly key: string;
  readonly title: string;
  readonly text: string;
  readonly routes: readonly string[];
}

/** Records what would reach chat: posts/edits under keys, and replies under a key's post. */
class ThreadRecorder implements AlertPoster {
  readonly posted: Posted[] = [];
  show(conversation: Conversation, key: string, message: Message, options: ShowOptions = {}): Promise<void> {
    this.posted.push({ kind: 'show', conversation: `${conversation.platform}:${conversation.id}`, key, title: message.title ?? '', text: textOf(message), routes: options.routes ?? [] });
    return Promise.resolve();
  }
  editsInPlace(): boolean {
    return true;
  }
  reply(conversation: Conversation, rootKey: string, message: Message): Promise<void> {
    this.posted.push({ kind: 'reply', conversation: `${conversation.platform}:${conversation.id}`, key: rootKey, title: message.title ?? '', text: textOf(message), routes: [] });
    return Promise.resolve();
  }
  take(): Posted[] {
    return this.posted.splice(0);
  }
}

// group_interval well inside the outbox's 60 s lease: moving the clock past it must not make a
// delivery in flight look abandoned.
const GROUPING = { by: ['alertname'], wait: 0, interval: 30_000, repeat: 3_600_000 };

function config(overrides: Partial<AlertsConfig> = {}): AlertsConfig {
  return alertsConfig({
    grouping: GROUPING,
    routes: [{ name: 'ops', match: {}, matchRe: {}, to: ['mattermost:ch-ops'], ...GROUPING, groupBy: GROUPING.by }],
    defaultTo: [],
    ...overrides,
  });
}

function wire(store: Store, clock: SetClock, poster: ThreadRecorder, overrides: Partial<AlertsConfig> = {}, owner = 'replica-a'): AlertsWiring {
  const wiring = wireAlerts({
    config: config(overrides),
    store: store.alerts,
    threads: store.alertThreads,
    clock,
    logger: silentLogger,
    owner,
    outbox: { has: () => true, enqueue: () => Promise.reject(new Error('the recorder posts')) },
    notifier: nullNotifier,
    poster,
  });
  cleanups.push(async () => wiring.pipeline?.stop());
  return wiring;
}

async function flush(wiring: AlertsWiring, ...alerts: Parameters<typeof alert>[0][]): Promise<void> {
  const pipeline = wiring.pipeline;
  if (pipeline === null) throw new Error('no pipeline');
  if (alerts.length > 0) await pipeline.ingest(alerts.map((a) => alert(a)));
  await pipeline.tick();
}

describe.each(engines)('thread replies over $name', (engine) => {
  let opened: Opened;

  async function open(): Promise<Store> {
    opened = await engine.open();
    cleanups.push(async () => {
      await opened.store.close();
      await opened.dispose();
    });
    return opened.store;
  }

  it('tells each change in the thread of the group post, on whichever replica flushes it', async () => {
    const store = await open();
    const clock = new SetClock(at(0));
    const poster = new ThreadRecorder();
    const a = wire(store, clock, poster);

    await flush(a, { instance: 'web-1' });
    const [first, ...rest] = poster.take();
    expect(rest).toEqual([]);
    expect(first).toMatchObject({ kind: 'show', title: '[FIRING:1] HighCPU', routes: ['ops'] });
    const root = first!.key;

    // New alerts in the group: the post is edited at the next group_interval, and the change told.
    await flush(a, { instance: 'web-2' }, { instance: 'web-3', severity: 'warning', labels: { alertname: 'HighCPU', instance: 'web-3', severity: 'warning' } });
    expect(poster.take()).toEqual([]);
    clock.set(at(31));
    await flush(a);
    expect(poster.take()).toEqual([
      expect.objectContaining({ kind: 'show', key: root, title: '[FIRING:3] HighCPU' }),
      { kind: 'reply', conversation: 'mattermost:ch-ops', key: root, title: '', text: '+2 firing: web-2, web-3', routes: [] },
    ]);

    // Another replica (or this one after a restart) knows what the post showed.
    const b = wire(store, clock, poster, {}, 'replica-b');
    await b.pipeline?.ingest([alert({ instance: 'web-1', status: 'resolved', endsAt: at(100) })]);
    clock.set(at(62));
    await flush(b);
    expect(poster.take()).toEqual([expect.objectContaining({ kind: 'show', key: root, title: '[FIRING:2] HighCPU' }), expect.objectContaining({ kind: 'reply', key: root, text: 'resolved: web-1' })]);

    const [group] = await store.alerts.openGroups(10);
    await b.port.ack(group!.id, people.olga);
    await flush(b);
    expect(poster.take()).toEqual([expect.objectContaining({ kind: 'show', key: root }), expect.objectContaining({ kind: 'reply', key: root, text: 'acked by @Olga' })]);

    // A reminder (repeat_interval) with nothing new is an edit, not a reply.
    clock.set(at(62 + GROUPING.repeat / 1000 + 1));
    await flush(a);
    expect(poster.take()).toEqual([expect.objectContaining({ kind: 'show', key: root })]);

    await a.pipeline?.ingest([alert({ instance: 'web-2', status: 'resolved', endsAt: at(4000) }), alert({ instance: 'web-3', status: 'resolved', endsAt: at(4000), severity: 'warning', labels: { alertname: 'HighCPU', instance: 'web-3', severity: 'warning' } })]);
    clock.set(at(62 + GROUPING.repeat / 1000 + 32));
    await flush(a);
    expect(poster.take()).toEqual([expect.objectContaining({ kind: 'show', key: root, title: '[RESOLVED] HighCPU' }), expect.objectContaining({ kind: 'reply', key: root, text: 'all resolved: web-2, web-3' })]);
  });

  it('tells a silence under the post of each group it mutes, and nowhere else', async () => {
    const store = await open();
    const clock = new SetClock(at(0));
    const poster = new ThreadRecorder();
    const a = wire(store, clock, poster);
    await flush(a, { name: 'DiskFull', instance: 'db-1' }, { name: 'HighCPU', instance: 'web-1' });
    const roots = new Map(poster.take().map((p) => [p.title, p.key]));
    const silence = await a.port.silence({ matchers: parseMatchers('alertname=DiskFull'), durationMs: 3_600_000, comment: 'disk being replaced' }, people.olga, AbortSignal.timeout(5_000));
    expect(poster.take()).toEqual([
      {
        kind: 'reply',
        conversation: 'mattermost:ch-ops',
        key: roots.get('[FIRING:1] DiskFull'),
        title: '',
        text: `silenced for 1h by @Olga (until ${new Date(at(0).getTime() + 3_600_000).toISOString().slice(0, 19).replace('T', ' ')}Z, 1 firing alert here; silence ${silence.id}): disk being replaced`,
        routes: [],
      },
    ]);
  });

  it('posts no replies when alerts.threadReplies is false', async () => {
    const store = await open();
    const clock = new SetClock(at(0));
    const poster = new ThreadRecorder();
    const a = wire(store, clock, poster, { threadReplies: false });
    await flush(a, { instance: 'web-1' });
    await flush(a, { instance: 'web-2' });
    clock.set(at(31));
    await flush(a);
    const [group] = await store.alerts.openGroups(10);
    await a.port.ack(group!.id, people.olga);
    await flush(a);
    const posted = poster.take();
    expect(posted.map((p) => p.kind)).toEqual(['show', 'show', 'show']);
    expect(posted[2]?.title).toBe('[FIRING:2] HighCPU');
  });

  it('gives groups folded into a storm digest no replies: the digest is edited', async () => {
    const store = await open();
    const clock = new SetClock(at(0));
    const poster = new ThreadRecorder();
    const a = wire(store, clock, poster, { storm: { threshold: 3, window: 600_000 } });
    const names = ['A1', 'A2', 'A3', 'A4', 'A5'];
    await flush(a, ...names.map((name) => ({ name, instance: 'web-1' })));
    expect(poster.take().map((p) => [p.kind, p.title])).toEqual([['show', '[STORM] 5 alert groups firing']]);
    await flush(a, { name: 'A1', instance: 'web-2' }, { name: 'A2', instance: 'web-1', status: 'resolved', endsAt: at(10) });
    clock.set(at(31));
    await flush(a);
    const posted = poster.take();
    expect(posted.length).toBeGreaterThan(0);
    expect(posted.every((p) => p.kind === 'show' && p.key.startsWith('alerts:digest:'))).toBe(true);
    expect(await store.alertThreads.get((await store.alerts.openGroups(10))[0]!.id, 'mattermost:ch-ops')).toBeNull();
  });
});

describe('the reply text', () => {
  const group = (acked: boolean): AlertGroupRecord => ({
    id: 7,
    key: 'ops|x',
    route: 'ops',
    labels: { alertname: 'HighCPU' },
    conversations: ['mattermost:ch-ops'],
    state: 'open',
    createdAt: at(0),
    version: 2,
    flushedVersion: 1,
    nextFlushAt: null,
    lastFlushAt: at(0),
    wait: 0,
    interval: 60_000,
    repeat: 3_600_000,
    ackedBy: acked ? people.oscar : null,
    ackedAt: acked ? at(5) : null,
  });
  const stored = (instance: string, status: 'firing' | 'resolved' = 'firing'): StoredAlert => ({ ...alert({ instance, status }), groupId: 7, receivedCount: 1, firstSeenAt: at(0), lastSeenAt: at(0), heldUntil: null, heldBy: null });

  it('names at most five alerts, and counts instead of naming in very large groups', () => {
    const before: ThreadState = threadState(group(false), [stored('web-0')], at(1));
    const many = Array.from({ length: 8 }, (_, i) => stored(`web-${i}`));
    expect(textOf(changeReply(before, group(false), many, at(1))!)).toBe('+7 firing: web-1, web-2, web-3, web-4, web-5 and 2 more');
    const huge = Array.from({ length: MAX_TRACKED + 2 }, (_, i) => stored(`node-${i}`));
    const big = threadState(group(false), huge, at(1));
    expect(big.firing).toEqual([]);
    expect(textOf(changeReply(big, group(true), huge.slice(0, 100), at(1))!)).toBe(`${MAX_TRACKED + 2 - 100} resolved (100 still firing)\nacked by @Oscar`);
    expect(changeReply(big, group(false), huge, at(1))).toBeNull();
  });
});

describe('thread replies on the chat platforms', () => {
  it('replies in Mattermost with root_id = the group post, validated against the Mattermost OpenAPI', async () => {
    const posts = new Map<string, FakePost>();
    const server = await startFakeMattermost(posts);
    cleanups.push(() => server.close());
    const t = await startTestApp({ config: { alerts: alertsConfig({ defaultTo: ['mattermost:ch-ops'], grouping: GROUPING }) } });
    cleanups.push(() => t.close());
    startMattermost(t.app, mattermostConfig(server.url), { clock: t.clock });
    const pipeline = t.app.alerts.pipeline!;

    await pipeline.ingest([alert({ instance: 'web-1' })]);
    await pipeline.tick();
    const root = await eventually(() => [...posts.values()].find((p) => p.props.attachments?.[0]?.title === '[FIRING:1] HighCPU'), (p) => p !== undefined, 'the group post', WAIT_MS);
    expect(root!.root_id).toBe('');
    await eventually(() => t.store.outbox.count('pending'), (n) => n === 0, 'the post delivered', WAIT_MS);

    t.clock.advance(GROUPING.interval + 1_000);
    await pipeline.ingest([alert({ instance: 'web-2' })]);
    await pipeline.tick();
    const reply = await eventually(() => [...posts.values()].find((p) => p.root_id !== ''), (p) => p !== undefined, 'the thread reply', WAIT_MS);
    expect(reply).toMatchObject({ channel_id: 'ch-ops', root_id: root!.id });
    expect(reply!.props.attachments?.[0]?.text).toBe('+1 firing: web-2');
    // The post itself was edited in place, not posted again.
    await eventually(() => posts.get(root!.id)?.props.attachments?.[0]?.title, (title) => title === '[FIRING:2] HighCPU', 'the edited post', WAIT_MS);

    const [group] = await t.store.alerts.openGroups(10);
    await t.app.alerts.port.ack(group!.id, people.olga);
    await pipeline.tick();
    const acked = await eventually(() => [...posts.values()].filter((p) => p.root_id === root!.id), (replies) => replies.length === 2, 'the ack reply', WAIT_MS);
    expect(acked.map((p) => p.props.attachments?.[0]?.text)).toEqual(['+1 firing: web-2', 'acked by @Olga']);
    await eventually(() => t.store.outbox.count('pending'), (n) => n === 0, 'an empty outbox', WAIT_MS);
    expect(posts.size).toBe(3);

    const replyCalls = server.callsTo('CreatePost').filter((c) => (c.body as { root_id?: string }).root_id !== undefined);
    expect(replyCalls).toHaveLength(2);
    for (const call of server.callsTo('CreatePost')) {
      for (const attachment of (call.body as { props: { attachments: unknown[] } }).props.attachments) expect(integrationViolations('MessageAttachment', attachment)).toEqual([]);
    }
    server.assertClean();
  });

  it('replies in Teams into the channel reply chain of the group card, validated against the Bot Connector swagger', async () => {
    const h = await startTeamsHarness();
    cleanups.push(() => h.close());
    // Teams channel message ids are numbers (they become `;messageid=<id>`).
    let next = 1_700_000_100_000;
    h.connector.on('Conversations_SendToConversation', () => ({ status: 201, body: { id: String(++next) } }));
    expect((await h.send(example('teams-message-activity.channel.json', h.connector.url, { text: '<at>OpsBot</at> help' }))).status).toBe(200);
    await eventually(() => h.test.store.conversationRefs.get('teams', CHANNEL), (ref) => ref !== null, 'the channel reference', WAIT_MS);
    // The answer to that message is out before the alert traffic is looked at.
    await eventually(() => h.sent().length, (n) => n >= 1, 'the answer to help', WAIT_MS);
    await eventually(() => h.test.store.outbox.count('pending'), (n) => n === 0, 'an empty outbox', WAIT_MS);

    const app = h.test.app;
    const alerts = wireAlerts({
      config: alertsConfig({ defaultTo: [`teams:${CHANNEL}`], grouping: GROUPING }),
      store: app.store.alerts,
      threads: app.store.alertThreads,
      clock: h.test.clock,
      logger: app.logger,
      owner: app.owner,
      outbox: app.outbox,
      notifier: app.notifier,
    });
    cleanups.push(async () => alerts.pipeline?.stop());
    const pipeline = alerts.pipeline!;
    const before = h.sent().length;
    const posted = () => h.sent().slice(before);

    await pipeline.ingest([alert({ instance: 'web-1' })]);
    await pipeline.tick();
    const [rootCall] = await eventually(posted, (calls) => calls.length === 1, 'the group card', WAIT_MS);
    expect(rootCall).toMatchObject({ operationId: 'Conversations_SendToConversation', params: { conversationId: CHANNEL } });
    const rootId = await eventually(async () => (await h.test.store.messageRefs.get(`alerts:group:1:teams:${CHANNEL}`))?.messageId, (id) => id !== undefined, 'the card ref', WAIT_MS);

    h.test.clock.advance(GROUPING.interval + 1_000);
    await pipeline.ingest([alert({ instance: 'web-2' })]);
    await pipeline.tick();
    const calls = await eventually(posted, (c) => c.length === 3, 'the edit and the reply', WAIT_MS);
    const edit = calls.find((c) => c.operationId === 'Conversations_UpdateActivity');
    expect(edit?.params).toEqual({ conversationId: CHANNEL, activityId: rootId });
    expect(cardText(cardOf(edit!))).toContain('[FIRING:2] HighCPU');
    const reply = calls.find((c) => c !== rootCall && c.operationId === 'Conversations_SendToConversation');
    expect(reply?.params).toEqual({ conversationId: `${CHANNEL};messageid=${rootId}` });
    const card = cardOf(reply!);
    assertValidCard(card);
    expect(cardText(card)).toContain('+1 firing: web-2');
    h.connector.assertClean();
  });
});
