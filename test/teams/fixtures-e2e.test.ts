/**
 * Every upstream activity in ../shared/fixtures/msteams, posted to POST /api/messages with a valid
 * channel token (serviceUrl pointed at the contract-checked connector): each is handled or ignored
 * on purpose, never a 5xx, and whatever the bot sends back conforms to the Bot Connector swagger; and
 * damaged, each is still never a 5xx.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTempDirs } from '../support/app.js';
import { damaged } from '../support/mutate.js';
import { readShared } from '../support/shared.js';
import { assertValidCard } from './support/card-schema.js';
import { EXPECTED, TENANTS, fixture, fixturesDir } from './support/fixtures.js';
import { cardOf, cardText, startTeamsHarness, type TeamsHarness } from './support/harness.js';

/** What the bot answers, per fixture; everything not listed is a 200 with nothing sent. */
const OUTCOMES: Readonly<Record<string, { status: number; replies?: number; body?: unknown }>> = {
  // A command from a personal chat: an unknown command gets a usage reply.
  'docs_personal_message_html_attachment.json': { status: 200, replies: 1 },
  // A channel @mention (escaped <at> in the JSON): answered in its thread.
  'teamsnet_test_channel_message_mention_escaped.json': { status: 200, replies: 1 },
  // An Action.Execute click without opsbot's signature: refused, audited, told.
  'teamsnet_test_invoke_adaptiveCard_action_execute.json': {
    status: 200,
    replies: 1,
    body: { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: 'That button cannot be used: the button carries no opsbot signature. Type the command instead.' },
  },
  // Not from Microsoft Teams: a token endorsed for msteams does not cover them.
  'docs_invoke_adaptiveCard_action_excerpt.cleaned.json': { status: 401 },
  'teamsnet_SuggestedActionSubmitActivity.json': { status: 401 },
};

let h: TeamsHarness;

beforeAll(async () => {
  h = await startTeamsHarness({ config: { tenants: TENANTS } });
});

afterAll(async () => {
  await h.close();
  removeTempDirs();
});

function withServiceUrl(activity: Record<string, unknown>): Record<string, unknown> {
  return typeof activity.serviceUrl === 'string' ? { ...activity, serviceUrl: h.connector.url } : activity;
}

describe('upstream Teams activities through the authenticated endpoint', () => {
  const files = readdirSync(fixturesDir()).filter((f) => f.endsWith('.json')).sort();

  it('covers every fixture file', () => {
    expect(files).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const file of files) {
    it(`${file}: ${EXPECTED[file] ?? '?'}`, async () => {
      const activity = withServiceUrl(readShared<Record<string, unknown>>('fixtures', 'msteams', file));
      const before = h.sent().length;
      const response = await h.send(activity);
      const expected = OUTCOMES[file] ?? { status: 200 };
      expect(response.status).toBe(expected.status);
      if (expected.body !== undefined) expect(response.body).toEqual(expected.body);
      const sent = h.sent().slice(before);
      expect(sent.length).toBe(expected.replies ?? 0);
      for (const call of sent) {
        expect(call.operationId).toBe('Conversations_ReplyToActivity');
        expect(call.params.activityId).toBe(activity.id);
        assertValidCard(cardOf(call));
      }
      h.connector.assertClean();
    });
  }

  it('answers the thread of a channel mention with what went wrong', () => {
    const reply = h.sent().find((c) => c.params.conversationId === '19:6848757105754c8981c67612732d9aa7@thread.tacv2;messageid=1759881511856');
    expect(cardText(cardOf(reply!))).toContain('Unknown command `reply`');
  });

  it('kept a reference for every conversation an allowed activity with a serviceUrl came from', async () => {
    const refs = await h.test.store.conversationRefs.list('teams');
    expect(refs.map((r) => r.conversationId).sort()).toEqual(
      [
        // installs and membership events
        '***',
        '19:0b7f32667e064dd9b25d7969801541f4@thread.tacv2',
        '19:6d97d816470f481dbcda38244b98689a@thread.skype',
        '19:efa9296d959346209fea44151c742e73@thread.skype',
        // messages, clicks and reactions (ignored or not, they prove opsbot is there)
        '19:3629591d4b774aa08cb0887902eee7c1@thread.skype',
        '19:6848757105754c8981c67612732d9aa7@thread.tacv2',
        '19:97b1ec61-45bf-453c-9059-6e8984e0cef4_8d88f59b-ae61-4300-bec0-caace7d28446@unq.gbl.spaces',
        '19:dc5ba12695be4eb7bf457cad6b4709eb@thread.skype',
        '19:malejcou081i20ojmlcau0@thread.skype',
        'a:17I0kl9EkpE1O9PH5TWrzrLNwnWWcfrU7QZjKR0WSfOpzbfcAg2IaydGElSo10tVr4C7Fc6GtieTJX663WuJCc1uA83n4CSrHSgGBj5XNYLcVlJAs2ZX8DbYBPck201w-',
        'a:17vxw6pGQOb3Zfh8acXT8m_PqHycYpaFgzu2mFMUfkT-h0UskMctq5ZPPc7FIQxn2bx7rBSm5yE_HeUXsCcKZBrv77RgorB3_1_pAdvMhi39ClxQgawzyQ9GBFkdiwOxT',
      ].sort(),
    );
    expect(refs.every((r) => r.address.serviceUrl === h.connector.url)).toBe(true);
  });

  it('learned the sender\'s time zone from the localTimezone of their message', async () => {
    const activity = readShared<{ from: { aadObjectId: string }; localTimezone: string }>('fixtures', 'msteams', 'teamsnet_test_channel_message_mention_escaped.json');
    expect(activity.localTimezone).toBe('America/Los_Angeles');
    const sender = { platform: 'teams' as const, id: activity.from.aadObjectId.toLowerCase(), name: 'sender' };
    expect(await h.test.app.profiles.timeZoneOf(sender)).toBe('America/Los_Angeles');
    // Someone opsbot never heard from has no known zone (listings then use UTC).
    expect(await h.test.app.profiles.timeZoneOf({ platform: 'teams', id: 'never-seen', name: 'x' })).toBeNull();
  });

  it('audited the unsigned click as denied', async () => {
    const denied = (await h.test.store.audit.recent(50)).filter((e) => e.event === 'denied');
    expect(denied.map((e) => [e.principal.id, e.detail])).toEqual([['c5e99701-2a32-49c1-a660-4629ceeb8c61', 'teams button refused: the button carries no opsbot signature']]);
  });

  it('refuses the as-published fixtures that are not valid JSON with 400, not a crash', async () => {
    const published = readdirSync(fixturesDir()).filter((f) => f.endsWith('.jsonc'));
    expect(published.length).toBeGreaterThan(0);
    for (const file of published) {
      const response = await fetch(`${h.url}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await h.idp.channelToken({})}` },
        body: readFileSync(join(fixturesDir(), file), 'utf8'),
      });
      expect({ file, status: response.status }).toEqual({ file, status: 400 });
    }
  });

  it('refuses a body that is not an activity with 400', async () => {
    for (const body of [{}, [], 'text', { type: 42 }]) {
      const response = await h.send(body as Record<string, unknown>);
      expect(response.status).toBe(400);
    }
  });
});

const failedTurns = () => h.test.logs.filter((entry) => entry.level === 'error');

/**
 * Damaged upstream activities (one field replaced or removed): a field opsbot reads with the wrong type
 * is refused with a 400 that names it, before any turn runs; nothing damaged is a 5xx or a failed turn.
 */
describe('damaged activities', () => {
  // Each of these reached the turn and threw a TypeError (a 500) before the activity's shape was checked.
  it.each([
    ['docs_invoke_card_action.cleaned.json', { from: { id: { nested: true }, name: 'John Doe' } }, '`/from/id` must be string'],
    ['docs_personal_message_html_attachment.json', { text: 42 }, '`/text` must be string'],
    ['docs_conversationUpdate_teamRenamed.json', { channelData: { eventType: ['teamRenamed'] } }, '`/channelData/eventType` must be string'],
    ['docs_installationUpdate.cleaned.json', { action: { add: true } }, '`/action` must be string'],
    ['docs_channel_message_mention.json', { entities: { type: 'mention' } }, '`/entities` must be array'],
  ])('%s with %j is a 400 naming the field, and no turn runs', async (name, damage, reason) => {
    const before = h.sent().length;
    const sent = await h.send({ ...fixture(name), serviceUrl: h.connector.url, ...damage });
    expect(sent).toEqual({ status: 400, body: { error: `not a Bot Framework activity opsbot can read: ${reason}` } });
    expect(h.sent()).toHaveLength(before);
    expect(failedTurns()).toEqual([]);
  });

  it('an empty type is a 400 with the reason (CloudAdapter alone answers a bare 400)', async () => {
    const sent = await h.send({ ...fixture('docs_personal_message_html_attachment.json'), serviceUrl: h.connector.url, type: '' });
    expect(sent).toEqual({ status: 400, body: { error: 'the body is not a Bot Framework activity (a JSON object with a "type")' } });
  });

  it('null is "not given", as the Bot Framework SDKs write it', async () => {
    const sent = await h.send({ ...fixture('docs_personal_message_html_attachment.json'), serviceUrl: h.connector.url, localTimezone: null, replyToId: null, entities: null });
    expect(sent.status).toBe(200);
  });

  it('whatever one field of an upstream activity is changed to, the answer is never a 5xx or a failed turn', async () => {
    const samples = readdirSync(fixturesDir())
      .filter((file) => file.endsWith('.json'))
      .map((file) => JSON.parse(readFileSync(join(fixturesDir(), file), 'utf8')) as Record<string, unknown>);
    await fc.assert(
      fc.asyncProperty(damaged(samples), async ({ value }) => {
        const activity = typeof value === 'object' && value !== null && !Array.isArray(value) ? { ...value, serviceUrl: h.connector.url } : { type: 'message', value };
        const sent = await h.send(activity);
        expect(sent.status, JSON.stringify(activity)).toBeLessThan(500);
        if (sent.status === 400) expect((sent.body as { error?: unknown }).error).toEqual(expect.any(String));
        expect(failedTurns()).toEqual([]);
      }),
      { numRuns: 400 },
    );
  });
});
