/**
 * What each upstream Teams activity means to opsbot (pure classification, no network): every fixture
 * in ../shared/fixtures/msteams is either handled (a command, a click, a membership change whose
 * conversation reference is kept) or ignored with a stated reason; nothing is left to chance.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { classifyActivity } from '../../src/adapters/teams/inbound.js';
import { decodeHtmlEntities, stripMentions } from '../../src/adapters/teams/mentions.js';
import type { WireActivity } from '../../src/adapters/teams/wire.js';
import { EXPECTED, TENANTS, fixture, fixturesDir } from './support/fixtures.js';

function describeInbound(activity: WireActivity): string {
  const { inbound } = classifyActivity(activity, TENANTS);
  switch (inbound.kind) {
    case 'ignored':
      return `ignored: ${inbound.reason}`;
    case 'membership':
      return `membership: ${inbound.event}`;
    case 'command':
      return `command: ${inbound.text}`;
    case 'click':
      return 'click';
    case 'refused':
      return `refused: ${inbound.reason}`;
  }
}

describe('classifying upstream Teams activities', () => {
  it('has an expectation for every fixture file', () => {
    const files = readdirSync(fixturesDir()).filter((f) => f.endsWith('.json'));
    expect(files.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const [file, expected] of Object.entries(EXPECTED)) {
    it(`${file} → ${expected}`, () => {
      expect(describeInbound(fixture(file))).toBe(expected);
    });
  }

  it('maps a channel message to the channel, its reply chain to the thread, the user to the AAD object id', () => {
    const { inbound, refs } = classifyActivity(fixture('teamsnet_test_channel_message_mention_escaped.json'), TENANTS);
    expect(inbound).toMatchObject({
      kind: 'command',
      principal: { platform: 'teams', id: 'b15a9416-0ad3-4172-9210-7beb711d3f70', name: 'rido' },
      conversation: { platform: 'teams', id: '19:6848757105754c8981c67612732d9aa7@thread.tacv2', threadId: '1759881511856' },
      tenantId: '50612dbb-0237-4969-b378-8d42590f9c00',
    });
    expect(refs.save).toEqual([
      {
        conversationId: '19:6848757105754c8981c67612732d9aa7@thread.tacv2',
        serviceUrl: 'https://smba.trafficmanager.net/amer/50612dbb-0237-4969-b378-8d42590f9c00/',
        tenantId: '50612dbb-0237-4969-b378-8d42590f9c00',
        botId: '28:0b6fe6d1-fece-44f7-9a48-56465e2d5ab8',
        botName: 'ridotest',
        conversationType: 'channel',
        teamId: '19:66P469zibfbsGI-_a0aN_toLTZpyzS6u7CT3TsXdgPw1@thread.tacv2',
        name: null,
      },
    ]);
  });

  it('keeps a reference to every channel an install or channel event names', () => {
    const install = classifyActivity(fixture('docs_installationUpdate.cleaned.json'), TENANTS).refs;
    expect(install.save.map((r) => [r.conversationId, r.teamId])).toEqual([['19:0b7f32667e064dd9b25d7969801541f4@thread.tacv2', '19:zFLSDFWsesfzcmKArqKJ-65aOXJz@sgf462H2wz41@thread.tacv2']]);
    const created = classifyActivity(fixture('docs_conversationUpdate_channelCreated.json'), TENANTS).refs;
    expect(created.save.map((r) => [r.conversationId, r.name])).toEqual([
      ['19:efa9296d959346209fea44151c742e73@thread.skype', null],
      ['19:6d97d816470f481dbcda38244b98689a@thread.skype', 'FunDiscussions'],
    ]);
    // No serviceUrl: nothing to post to later, so nothing is kept.
    expect(classifyActivity(fixture('teamsnet_ConversationUpdateActivity.json'), TENANTS).refs.save).toEqual([]);
  });

  it('forgets a team when the app is removed from it, and a channel when it is deleted', () => {
    const removed = { ...fixture('docs_installationUpdate.cleaned.json'), action: 'remove' };
    expect(classifyActivity(removed, TENANTS).refs).toEqual({ save: [], forget: [], forgetTeam: '19:zFLSDFWsesfzcmKArqKJ-65aOXJz@sgf462H2wz41@thread.tacv2' });
    const kicked = { ...fixture('docs_conversationUpdate_membersAdded_personal.json'), membersAdded: [], membersRemoved: [{ id: '28:<BOT ID>' }] };
    expect(classifyActivity(kicked, TENANTS).refs).toEqual({ save: [], forget: ['***'], forgetTeam: null });
    const deleted = { ...fixture('docs_conversationUpdate_channelCreated.json'), channelData: { ...fixture('docs_conversationUpdate_channelCreated.json').channelData, eventType: 'channelDeleted' } };
    expect(classifyActivity(deleted, TENANTS).refs).toEqual({ save: [], forget: ['19:6d97d816470f481dbcda38244b98689a@thread.skype'], forgetTeam: null });
  });

  it('refuses people from tenants that are not allowed, and keeps no reference there', () => {
    const { inbound, refs } = classifyActivity(fixture('teamsnet_test_channel_message_mention_escaped.json'), ['72f988bf-86f1-41af-91ab-2d7cd011db47']);
    expect(inbound).toMatchObject({ kind: 'refused', reason: 'tenant 50612dbb-0237-4969-b378-8d42590f9c00 is not in teams.tenants' });
    expect(refs.save).toEqual([]);
    const install = classifyActivity(fixture('docs_installationUpdate.cleaned.json'), []);
    expect(install.inbound).toMatchObject({ kind: 'ignored' });
    expect(install.refs.save).toEqual([]);
  });

  it('ignores channel messages that do not @mention opsbot, but takes every personal message', () => {
    const channel = { ...fixture('teamsnet_test_channel_message_mention_escaped.json'), entities: [] };
    expect(describeInbound(channel)).toBe('ignored: a channel or group message that does not @mention opsbot');
    const personal = fixture('docs_personal_message_html_attachment.json');
    expect(describeInbound({ ...personal, text: 'deploy store-pl blue' })).toBe('command: deploy store-pl blue');
  });

  it('reads the click token of Action.Submit (message value) and Action.Execute (invoke action data)', () => {
    const { text: _text, ...personal } = fixture('docs_personal_message_html_attachment.json');
    const submit = { ...personal, value: { opsbot: 'tok-1' } };
    expect(classifyActivity(submit, TENANTS).inbound).toMatchObject({ kind: 'click', token: 'tok-1', invoke: false });
    const execute = fixture('teamsnet_test_invoke_adaptiveCard_action_execute.json');
    const withToken = { ...execute, value: { action: { type: 'Action.Execute', data: { opsbot: 'tok-2' } }, trigger: 'manual' } };
    expect(classifyActivity(withToken, TENANTS).inbound).toMatchObject({ kind: 'click', token: 'tok-2', invoke: true });
  });
});

describe('mention stripping', () => {
  const bot = { id: '28:bot', name: 'opsbot' };
  const mention = (text: string) => [{ type: 'mention', text, mentioned: bot }];

  it('removes the bot mention in every form Teams sends it', () => {
    expect(stripMentions('<at>opsbot</at> deploy store-pl blue', mention('<at>opsbot</at>'), '28:bot')).toEqual({ text: 'deploy store-pl blue', mentionsBot: true });
    // The docs' entity text says <at>@Name</at> while the text says <at>Name</at>.
    expect(stripMentions('<at>opsbot</at> deploy store-pl blue', mention('<at>@opsbot</at>'), '28:bot').text).toBe('deploy store-pl blue');
    expect(stripMentions('&lt;at&gt;opsbot&lt;/at&gt;&nbsp;deploy store-pl blue', mention('&lt;at&gt;opsbot&lt;/at&gt;'), '28:bot').text).toBe('deploy store-pl blue');
    expect(stripMentions('deploy store-pl blue <AT>opsbot</AT>', mention('<at>opsbot</at>'), '28:bot').text).toBe('deploy store-pl blue');
  });

  it('keeps other people as plain names and does not count them as the bot', () => {
    expect(stripMentions('lock db <at>Ann Lee</at> asked', [{ type: 'mention', text: '<at>Ann Lee</at>', mentioned: { id: '29:ann', name: 'Ann Lee' } }], '28:bot')).toEqual({ text: 'lock db Ann Lee asked', mentionsBot: false });
  });

  it('decodes HTML entities, numeric ones included', () => {
    expect(decodeHtmlEntities('a&amp;b &#39;c&#39; &#x41; &bogus;')).toBe("a&b 'c' A &bogus;");
  });
});
