/** The upstream Teams fixtures (../shared/fixtures/msteams) and what each one means to opsbot. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WireActivity } from '../../../src/adapters/teams/wire.js';
import { sharedDir } from '../../support/shared.js';

export const fixturesDir = (): string => join(sharedDir(), 'fixtures', 'msteams');

/** Every tenant that appears in the fixtures is allowed here, so tenant refusal is tested apart. */
export const TENANTS = [
  '72f988bf-86f1-41af-91ab-2d7cd011db47',
  '<tenant id>',
  'b28fdbfd-2b78-4f93-b0f8-8881793f0f8f',
  '1234abcd-1234-12ab-12ab-35b75f16f1e1',
  'tenantid',
  '50612dbb-0237-4969-b378-8d42590f9c00',
  '56653e9d-2158-46ee-90d7-675c39642038',
  'bec8e231-67ad-484e-87f4-3e5438390a77',
  '00000000-0000-0000-0000-000000000000',
];

export function fixture(name: string): WireActivity {
  return JSON.parse(readFileSync(join(fixturesDir(), name), 'utf8')) as WireActivity;
}

/** The expected meaning of every fixture file (the .as_published.jsonc ones are not valid JSON; see the e2e test). */
export const EXPECTED: Readonly<Record<string, string>> = {
  'docs_channel_message_mention.json': 'ignored: the sender has no Microsoft Entra object id',
  'docs_conversationUpdate_channelCreated.json': 'membership: conversationUpdate channelCreated',
  'docs_conversationUpdate_membersAdded_personal.json': 'membership: conversationUpdate members',
  'docs_conversationUpdate_teamMemberAdded.json': 'membership: conversationUpdate teamMemberAdded',
  'docs_conversationUpdate_teamRenamed.json': 'membership: conversationUpdate teamRenamed',
  'docs_conversationUpdate_teamrestored_lowercase.json': 'membership: conversationUpdate teamrestored',
  'docs_installationUpdate.cleaned.json': 'membership: installationUpdate add',
  'docs_invoke_adaptiveCard_action_excerpt.cleaned.json': 'ignored: channel "undefined" is not Microsoft Teams',
  'docs_invoke_card_action.cleaned.json': 'ignored: the sender has no Microsoft Entra object id',
  'docs_invoke_composeExtension_fetchTask.json': 'ignored: invoke "composeExtension/fetchTask" is not used by opsbot (no task modules, message extensions or tabs)',
  'docs_invoke_tab_fetch.json': 'ignored: invoke "tab/fetch" is not used by opsbot (no task modules, message extensions or tabs)',
  'docs_messageReaction_added.json': 'ignored: reactions are not commands',
  'docs_messageReaction_removed.json': 'ignored: reactions are not commands',
  'docs_message_messageBack_value.cleaned.json': 'ignored: the sender has no Microsoft Entra object id',
  'docs_personal_message_html_attachment.json': 'command: Hello Teams TestBot.Sending bold-italic rich text',
  'docs_v3_channel_message_mention.json': 'ignored: messages from bots are ignored',
  'teamsnet_ConversationUpdateActivity.json': 'membership: conversationUpdate members',
  'teamsnet_MessageActivity_Mention.json': 'ignored: the sender has no Microsoft Entra object id',
  'teamsnet_SuggestedActionSubmitActivity.json': 'ignored: channel "channelId" is not Microsoft Teams',
  'teamsnet_TaskSubmitActivity.json': 'ignored: invoke "task/submit" is not used by opsbot (no task modules, message extensions or tabs)',
  'teamsnet_test_channel_message_mention_escaped.json': 'command: reply to thread',
  'teamsnet_test_invoke_adaptiveCard_action_execute.json': 'click',
};

