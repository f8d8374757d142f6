/**
 * Teams end to end with authentication ON: a command, a job with its live card edited in place, a
 * confirmation click, refused clicks, a proactive post, 429 handling, and requests without a valid
 * Bot Framework token. Every request the bot sends is checked against the Bot Connector swagger.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PermanentDeliveryError, RetryableDeliveryError } from '../../src/core/chat.js';
import { removeTempDirs } from '../support/app.js';
import { ALAN, CHANNEL, PERSONAL, TENANT, VERA, cardOf, cardText, example, gates, startTeamsHarness, until, type TeamsHarness } from './support/harness.js';
import { assertValidCard } from './support/card-schema.js';
import { defineCommand } from '../../src/core/command.js';
import { msg } from '../../src/core/message.js';

/** A read-only command slower than the answer deadline (held at a gate). */
const slowStatus = defineCommand({
  name: 'slowstatus',
  summary: 'Test: a slow read-only answer.',
  examples: ['slowstatus'],
  args: {},
  permission: () => 'help',
  sideEffect: 'none',
  run: async (_a, ctx) => {
    await gates.wait('slowstatus', ctx.signal);
    return msg.text('all green', 'success');
  },
});

let h: TeamsHarness;

afterAll(() => {
  removeTempDirs();
});

function channelMessage(text: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return example('teams-message-activity.channel.json', h.connector.url, { text, ...overrides });
}

function personalMessage(text: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return example('teams-message-activity.personal.json', h.connector.url, { text, ...overrides });
}

/** A click on an Action.Submit button, as Teams sends it: a message with the button's data as `value`. */
function click(data: unknown, from: { aad: string; id: string; name: string } = ALAN): Record<string, unknown> {
  return example('adaptive-card-submit.message.json', h.connector.url, { value: data, from: { id: from.id, name: from.name, aadObjectId: from.aad } });
}

function buttonData(card: Record<string, unknown>, title: string): unknown {
  const actions = (card.actions ?? []) as { title?: string; data?: unknown }[];
  const action = actions.find((a) => a.title === title);
  if (action === undefined) throw new Error(`no "${title}" button in ${JSON.stringify(card)}`);
  return action.data;
}

describe('Teams endpoint with Bot Framework authentication', () => {
  beforeEach(async () => {
    h = await startTeamsHarness();
  });

  afterEach(async () => {
    await h.close();
  });

  it('answers a command in a personal chat, validated against the connector swagger', async () => {
    const response = await h.send(personalMessage('whoami'));
    expect(response.status).toBe(200);
    const [reply] = h.sent();
    expect(reply?.operationId).toBe('Conversations_ReplyToActivity');
    expect(reply?.params).toEqual({ conversationId: PERSONAL, activityId: '1700000000456' });
    const card = cardOf(reply!);
    assertValidCard(card);
    expect(cardText(card)).toContain(`teams:${ALAN.aad}`);
    // The bot asked the identity provider for its own token once, with its app credentials.
    expect(h.idp.tokenRequests).toEqual([{ clientId: expect.any(String), clientSecret: expect.any(String), scope: 'https://api.botframework.com/.default', grantType: 'client_credentials' }]);
    h.connector.assertClean();
  });

  it('runs `@opsbot rollout` in a channel as a job whose one card is edited in place', async () => {
    const thread = `${CHANNEL};messageid=1700000000123`;
    const response = await h.send(channelMessage('<at>OpsBot</at> rollout store-pl blue'));
    expect(response.status).toBe(200);
    // The answer is the job's live card, posted into the message's reply chain while the job runs.
    const post = await until(() => h.sent().find((c) => c.operationId === 'Conversations_SendToConversation'), 'the live job card');
    expect(post.params.conversationId).toBe(thread);
    const running = cardOf(post);
    assertValidCard(running);
    expect(cardText(running)).toContain('is running');
    // The outbox remembers the posted activity under the job's key, so every replica edits the same card.
    const postedId = await until(async () => (await h.test.store.messageRefs.get('job:1'))?.messageId, 'the job card ref');
    expect(postedId).toMatch(/^post-/);

    gates.open('rollout:store-pl');
    const final = await until(() => h.sent().find((c) => c.operationId === 'Conversations_UpdateActivity' && cardText(cardOf(c)).includes('succeeded')), 'the final edit of the job card');
    expect(final.params).toEqual({ conversationId: thread, activityId: postedId });
    assertValidCard(cardOf(final));
    expect(cardText(cardOf(final))).toContain('store-pl now serves blue');
    // One post, then only edits of that same activity.
    const sent = h.sent();
    expect(sent.filter((c) => c.operationId !== 'Conversations_UpdateActivity')).toEqual([post]);
    expect(sent.filter((c) => c.operationId === 'Conversations_UpdateActivity').every((c) => c.params.activityId === postedId)).toBe(true);
    const [job] = await h.test.store.jobs.list({ limit: 5 });
    expect(job).toMatchObject({ command: 'rollout', state: 'succeeded', principal: { platform: 'teams', id: ALAN.aad }, conversation: { platform: 'teams', id: CHANNEL } });
    h.connector.assertClean();
  });

  it('cancels a running job from the Cancel button on its live card', async () => {
    await h.send(channelMessage('<at>OpsBot</at> rollout store-pl green'));
    const post = await until(() => h.sent().find((c) => c.operationId === 'Conversations_SendToConversation'), 'the live job card');
    await h.send(click(buttonData(cardOf(post), 'Cancel')));
    const final = await until(() => h.sent().find((c) => c.operationId === 'Conversations_UpdateActivity' && cardText(cardOf(c)).includes('cancelled')), 'the cancelled card');
    expect(final.params.activityId).toBe((await h.test.store.messageRefs.get('job:1'))?.messageId);
    expect(await h.test.store.jobs.get(1)).toMatchObject({ state: 'cancelled', principal: { id: ALAN.aad } });
    h.connector.assertClean();
  });

  it('runs a destructive command only after its Confirm button is clicked by the same person', async () => {
    await h.send(channelMessage('<at>OpsBot</at> wipe store-pl'));
    const prompt = cardOf(h.sent()[0]!);
    assertValidCard(prompt);
    const confirm = buttonData(prompt, 'Confirm');

    // Someone else clicking it is refused and audited; nothing runs.
    const stranger = await h.send(click(confirm, VERA));
    expect(stranger.status).toBe(200);
    expect(cardText(cardOf(h.sent().at(-1)!))).toContain('made for someone else');
    expect(await h.test.store.jobs.list({ limit: 5 })).toEqual([]);

    // The person who asked confirms: the job runs and its live card ends as succeeded.
    await h.send(click(confirm));
    await until(() => h.sent().find((c) => c.operationId !== 'Conversations_ReplyToActivity' && cardText(cardOf(c)).includes('store-pl wiped')), 'the wiped job card');
    const [job] = await h.test.store.jobs.list({ limit: 5 });
    expect(job).toMatchObject({ command: 'wipe', state: 'succeeded', principal: { id: ALAN.aad } });
    // A click names its reply chain itself (`;messageid=` in its conversation id): the job's card goes there.
    expect(job?.conversation.threadId).toBe('1700000000123');
    const card = h.sent().find((c) => c.operationId === 'Conversations_SendToConversation' && cardText(cardOf(c)).includes('wipe'));
    expect(card?.params.conversationId).toBe(`${CHANNEL};messageid=1700000000123`);

    // The same button cannot be used twice.
    await h.send(click(confirm));
    expect(cardText(cardOf(h.sent().at(-1)!))).toContain('already used');
    const denied = (await h.test.store.audit.recent(20)).filter((e) => e.event === 'denied');
    expect(denied.map((e) => [e.principal.id, e.detail])).toEqual([
      [ALAN.aad, 'teams button refused: the button was already used'],
      [VERA.aad, 'teams button refused: the button was made for someone else'],
    ]);
    h.connector.assertClean();
  });

  it('refuses and audits a click whose data opsbot did not sign', async () => {
    const forged = await h.send(example('adaptive-card-submit.message.json', h.connector.url));
    expect(forged.status).toBe(200);
    expect(cardText(cardOf(h.sent()[0]!))).toContain('no opsbot signature');
    const tampered = await h.send(click({ opsbot: 'eyJjIjoid2lwZSBzdG9yZS1wbCJ9.AAAA' }));
    expect(tampered.status).toBe(200);
    const audit = (await h.test.store.audit.recent(10)).filter((e) => e.event === 'denied').map((e) => e.detail);
    expect(audit).toEqual(['teams button refused: invalid button signature', 'teams button refused: the button carries no opsbot signature']);
    expect(await h.test.store.jobs.list({ limit: 5 })).toEqual([]);
    h.connector.assertClean();
  });

  it('posts proactively to a channel it has seen, and refuses one it was never added to', async () => {
    await h.send(channelMessage('<at>OpsBot</at> help'));
    const ref = await h.test.store.conversationRefs.get('teams', CHANNEL);
    expect(ref).toMatchObject({ conversationId: CHANNEL, address: { serviceUrl: h.connector.url, tenantId: TENANT, botId: '28:00000000-0000-4000-8000-00000000b07' }, groupId: '19:team0123456789@thread.tacv2' });

    const posted = await h.adapter.delivery.post({ platform: 'teams', id: CHANNEL }, { title: 'HighErrorRate firing', tone: 'danger', blocks: [{ kind: 'text', text: 'api (production)' }] });
    const call = h.sent().at(-1)!;
    expect(call.operationId).toBe('Conversations_SendToConversation');
    expect(call.params.conversationId).toBe(CHANNEL);
    expect(posted).toEqual({ platform: 'teams', conversationId: CHANNEL, messageId: expect.stringMatching(/^post-/), extra: { serviceUrl: h.connector.url, conversation: CHANNEL } });
    assertValidCard(cardOf(call));

    await h.adapter.delivery.update(posted, { title: 'HighErrorRate resolved', tone: 'success', blocks: [] });
    expect(h.sent().at(-1)).toMatchObject({ operationId: 'Conversations_UpdateActivity', params: { conversationId: CHANNEL, activityId: posted.messageId } });

    const unknown = h.adapter.delivery.post({ platform: 'teams', id: '19:never@thread.tacv2' }, { tone: 'info', blocks: [] });
    await expect(unknown).rejects.toThrow(PermanentDeliveryError);
    await expect(unknown).rejects.toThrow('opsbot was never added to teams:19:never@thread.tacv2; add the app to that team/chat first');
    h.connector.assertClean();
  });

  it('delivers notices (alerts, announcements) through the outbox', async () => {
    await h.send(channelMessage('<at>OpsBot</at> help'));
    const before = h.sent().length;
    await h.test.app.notifier.notify({ platform: 'teams', id: CHANNEL }, { title: 'Nightly maintenance 02:00–03:00', tone: 'info', blocks: [] });
    const call = await until(() => h.sent()[before], 'the announcement');
    expect(call.operationId).toBe('Conversations_SendToConversation');
    expect(cardText(cardOf(call))).toContain('Nightly maintenance');
    h.connector.assertClean();
  });

  it('turns 429 into a retryable error carrying Retry-After, without retrying by itself', async () => {
    await h.send(channelMessage('<at>OpsBot</at> help'));
    h.connector.on('Conversations_SendToConversation', () => ({ status: 429, headers: { 'retry-after': '7' } }));
    const before = h.connector.callsTo('Conversations_SendToConversation').length;
    const attempt = h.adapter.delivery.post({ platform: 'teams', id: CHANNEL }, { tone: 'info', blocks: [{ kind: 'text', text: 'x' }] });
    await expect(attempt).rejects.toBeInstanceOf(RetryableDeliveryError);
    await expect(attempt).rejects.toMatchObject({ retryAfterMs: 7_000 });
    expect(h.connector.callsTo('Conversations_SendToConversation').length - before).toBe(1);
  });

  it('checks permissions on the AAD object id and the channel binding of the Teams channel', async () => {
    await h.send(channelMessage('<at>OpsBot</at> rollout store-pl blue', { from: { id: VERA.id, name: VERA.name, aadObjectId: VERA.aad } }));
    const reply = cardText(cardOf(h.sent()[0]!));
    expect(reply).toMatch(/rollout:store-pl/);
    const [denied] = (await h.test.store.audit.recent(5)).filter((e) => e.event === 'denied');
    expect(denied).toMatchObject({ principal: { platform: 'teams', id: VERA.aad, name: VERA.name }, conversation: { platform: 'teams', id: CHANNEL }, permission: 'rollout:store-pl' });
    expect(await h.test.store.jobs.list({ limit: 5 })).toEqual([]);
    h.connector.assertClean();
  });

  it('refuses people from tenants that are not allowed: audited, nothing posted into that tenant', async () => {
    const foreign = '99999999-0000-4000-8000-000000000000';
    const response = await h.send(
      personalMessage('whoami', { channelData: { tenant: { id: foreign } }, conversation: { conversationType: 'personal', tenantId: foreign, id: 'a:foreign-chat' } }),
    );
    expect(response.status).toBe(200);
    expect(h.connector.calls).toEqual([]);
    expect(await h.test.store.conversationRefs.list('teams')).toEqual([]);
    const [entry] = await h.test.store.audit.recent(1);
    expect(entry).toMatchObject({ event: 'denied', principal: { id: ALAN.aad }, detail: `tenant ${foreign} is not in teams.tenants`, refs: { tenant: foreign } });
  });

  it('refuses requests without a valid Bot Framework token with 401, and sends nothing', async () => {
    const activity = personalMessage('whoami');
    const serviceUrl = h.connector.url;
    const cases = {
      missing: null,
      notBearer: 'Basic dXNlcjpwYXNz',
      garbage: 'Bearer not-a-jwt',
      forged: `Bearer ${await h.idp.channelToken({ serviceUrl }, 'untrusted')}`,
      otherAudience: `Bearer ${await h.idp.channelToken({ serviceUrl, audience: '11111111-1111-4111-8111-111111111111' })}`,
      otherIssuer: `Bearer ${await h.idp.channelToken({ serviceUrl, issuer: 'https://evil.example' })}`,
      otherServiceUrl: `Bearer ${await h.idp.channelToken({ serviceUrl: 'https://smba.trafficmanager.net/emea/' })}`,
      expired: `Bearer ${await h.idp.channelToken({ serviceUrl, expiresIn: '-10m' })}`,
    };
    for (const [name, authorization] of Object.entries(cases)) {
      const logged = h.test.logs.length;
      const response = await h.send(activity, { authorization });
      expect({ name, status: response.status }).toEqual({ name, status: 401 });
      // What botbuilder printed about the refusal is in opsbot's log at debug, not on stderr; the
      // public key it quotes for a bad token stays out of the warning.
      const entries = h.test.logs.slice(logged);
      const printed = entries.filter((e) => e.msg === 'teams: botbuilder output').flatMap((e) => (e.obj as { printed: string[] }).printed);
      expect({ name, printed: printed.some((line) => line.includes('Unauthorized') || line.includes('expired')) }).toEqual({ name, printed: true });
      expect(entries.filter((e) => e.level === 'debug' && e.msg === 'teams: botbuilder output')).toHaveLength(1);
      const warning = entries.find((e) => e.level === 'warn');
      expect(JSON.stringify(warning)).not.toContain('Available keys');
    }
    const keyQuoted = h.test.logs.some((e) => e.level === 'debug' && JSON.stringify(e.obj).includes('Available keys'));
    expect(keyQuoted).toBe(true);
    expect(h.connector.calls).toEqual([]);
    expect(await h.test.store.conversationRefs.list('teams')).toEqual([]);
  });
});

describe('answering within Teams\' 15 seconds', () => {
  let slow: TeamsHarness;

  beforeEach(async () => {
    slow = await startTeamsHarness({ answerWithinMs: 50, extraCommands: [slowStatus] });
  });

  afterEach(async () => {
    await slow.close();
  });

  it('says it is working at once, and posts the answer through the outbox when it is ready', async () => {
    const response = await slow.send(example('teams-message-activity.personal.json', slow.connector.url, { text: 'slowstatus' }));
    expect(response.status).toBe(200);
    const [working] = slow.sent();
    expect(working?.operationId).toBe('Conversations_ReplyToActivity');
    expect(cardText(cardOf(working!))).toContain('Working on it; the answer follows here.');

    gates.open('slowstatus');
    const answer = await until(() => slow.sent().find((c) => c.operationId === 'Conversations_SendToConversation'), 'the late answer');
    expect(answer.params.conversationId).toBe(PERSONAL);
    expect(cardText(cardOf(answer))).toContain('all green');
    slow.connector.assertClean();
  });
});
