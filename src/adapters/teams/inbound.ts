/**
 * What an inbound activity means to opsbot, decided on the activity alone (pure, so every upstream
 * fixture is checked without a network): a command, a button click, a membership change whose
 * conversation references are worth keeping, or something ignored on purpose, with the reason.
 */
import type { Conversation, Principal } from '../../core/identity.js';
import { stripMentions } from './mentions.js';
import {
  conversationTypeOf,
  isBot,
  isFromBot,
  neutralConversationOf,
  serviceUrlOf,
  splitConversationId,
  tenantOf,
  type ConversationType,
  type WireActivity,
} from './wire.js';

/** Enough to post into a conversation later (a proactive message); never a secret. */
export interface TeamsAddress {
  /** The neutral conversation id: a channel id or a chat id. */
  readonly conversationId: string;
  readonly serviceUrl: string;
  readonly tenantId: string | null;
  /** The bot's own id in Teams (`28:<app id>`). */
  readonly botId: string;
  readonly botName: string | null;
  readonly conversationType: ConversationType | null;
  readonly teamId: string | null;
  readonly name: string | null;
}

export interface RefChanges {
  readonly save: readonly TeamsAddress[];
  /** Conversations the bot was removed from. */
  readonly forget: readonly string[];
  /** A team the bot was removed from (all its channels go). */
  readonly forgetTeam: string | null;
}

interface Who {
  readonly principal: Principal;
  readonly conversation: Conversation;
  readonly tenantId: string | null;
  /** The sender's zone as their client reports it; a hint for showing times, never for deciding. */
  readonly timeZone: string | null;
}

export type Inbound =
  | ({ readonly kind: 'command'; readonly text: string } & Who)
  | ({ readonly kind: 'click'; readonly token: unknown; readonly invoke: boolean } & Who)
  | ({ readonly kind: 'refused'; readonly reason: string; readonly invoke: boolean } & Who)
  | { readonly kind: 'membership'; readonly event: string }
  | { readonly kind: 'ignored'; readonly reason: string; readonly invoke: boolean };

export interface Classified {
  readonly inbound: Inbound;
  readonly refs: RefChanges;
}

const NO_REFS: RefChanges = { save: [], forget: [], forgetTeam: null };

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function record(value: unknown): Readonly<Record<string, unknown>> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** Every conversation of this activity the bot can post into: the chat, or the channels it names. */
function addressesOf(activity: WireActivity, tenantId: string | null): TeamsAddress[] {
  const serviceUrl = serviceUrlOf(activity);
  const botId = str(activity.recipient?.id);
  const raw = str(activity.conversation?.id);
  if (serviceUrl === null || botId === undefined || raw === undefined) return [];
  const type = conversationTypeOf(activity);
  const data = activity.channelData;
  const teamId = str(data?.team?.id) ?? str(data?.teamsTeamId) ?? null;
  const ids = new Set<string>([splitConversationId(raw).base]);
  if (type === 'channel') {
    for (const id of [data?.channel?.id, data?.teamsChannelId, data?.settings?.selectedChannel?.id]) if (str(id) !== undefined) ids.add(id as string);
  }
  const current = neutralConversationOf(activity);
  return [...ids].map((conversationId) => ({
    conversationId,
    serviceUrl,
    tenantId,
    botId,
    botName: str(activity.recipient?.name ?? undefined) ?? null,
    conversationType: type,
    teamId,
    name: conversationId === current?.id ? current.name : null,
  }));
}

function refChanges(activity: WireActivity, tenantId: string | null): RefChanges {
  const botId = str(activity.recipient?.id);
  const teamId = str(activity.channelData?.team?.id) ?? str(activity.channelData?.teamsTeamId) ?? null;
  const base = str(activity.conversation?.id);
  const conversationId = base === undefined ? null : splitConversationId(base).base;
  const removedAll = (): RefChanges => (teamId !== null ? { save: [], forget: [], forgetTeam: teamId } : { save: [], forget: conversationId === null ? [] : [conversationId], forgetTeam: null });
  if (activity.type === 'installationUpdate' && (activity.action ?? '').startsWith('remove')) return removedAll();
  if (activity.type === 'conversationUpdate') {
    if ((activity.membersRemoved ?? []).some((m) => isBot(m, botId))) return removedAll();
    const event = activity.channelData?.eventType?.toLowerCase();
    if (event === 'teamdeleted') return teamId === null ? NO_REFS : { save: [], forget: [], forgetTeam: teamId };
    if (event === 'channeldeleted') {
      const channel = str(activity.channelData?.channel?.id);
      return channel === undefined ? NO_REFS : { save: [], forget: [channel], forgetTeam: null };
    }
  }
  return { save: addressesOf(activity, tenantId), forget: [], forgetTeam: null };
}

function who(activity: WireActivity, tenantId: string | null): Who | string {
  const aad = str(activity.from?.aadObjectId);
  if (aad === undefined) return 'the sender has no Microsoft Entra object id';
  const place = neutralConversationOf(activity);
  if (place === null) return 'the activity names no conversation';
  const principal: Principal = { platform: 'teams', id: aad.toLowerCase(), name: str(activity.from?.name ?? undefined) ?? aad };
  const conversation: Conversation = {
    platform: 'teams',
    id: place.id,
    ...(place.threadId === null ? {} : { threadId: place.threadId }),
    ...(place.name === null ? {} : { name: place.name }),
  };
  return { principal, conversation, tenantId, timeZone: str(activity.localTimezone) ?? null };
}

/** The opsbot token of a click: Action.Submit data arrives as `value`, Action.Execute data as `value.action.data`. */
function clickToken(activity: WireActivity): unknown {
  const value = record(activity.value);
  if (activity.type === 'invoke' && activity.name === 'adaptiveCard/action') return record(record(value?.action)?.data)?.opsbot;
  return value?.opsbot;
}

function isClick(activity: WireActivity): boolean {
  if (activity.type === 'message') return record(activity.value) !== undefined;
  if (activity.type !== 'invoke') return false;
  // A legacy card button (an invoke without a name) or a Universal Action.
  return activity.name === 'adaptiveCard/action' || (str(activity.name) === undefined && record(activity.value) !== undefined);
}

export function classifyActivity(activity: WireActivity, allowedTenants: readonly string[]): Classified {
  const invoke = activity.type === 'invoke';
  if (activity.channelId !== 'msteams') return { inbound: { kind: 'ignored', reason: `channel "${String(activity.channelId)}" is not Microsoft Teams`, invoke }, refs: NO_REFS };
  const tenantId = tenantOf(activity);
  const allowed = tenantId !== null && allowedTenants.includes(tenantId);
  // Only allowed tenants leave references behind: opsbot never posts into a tenant it may not serve.
  const refs = allowed ? refChanges(activity, tenantId) : NO_REFS;

  const type = activity.type ?? '';
  switch (type) {
    case 'conversationUpdate':
    case 'installationUpdate': {
      const event = activity.type === 'installationUpdate' ? `installationUpdate ${activity.action ?? ''}`.trim() : `conversationUpdate ${activity.channelData?.eventType ?? 'members'}`;
      return allowed ? { inbound: { kind: 'membership', event }, refs } : { inbound: { kind: 'ignored', reason: `${event} from a tenant that is not allowed`, invoke }, refs };
    }
    case 'messageReaction':
      return { inbound: { kind: 'ignored', reason: 'reactions are not commands', invoke }, refs };
    case 'message':
    case 'invoke':
      break;
    default:
      return { inbound: { kind: 'ignored', reason: `activity type "${String(activity.type)}" is not used by opsbot`, invoke }, refs };
  }

  if (invoke && !isClick(activity)) return { inbound: { kind: 'ignored', reason: `invoke "${String(activity.name)}" is not used by opsbot (no task modules, message extensions or tabs)`, invoke }, refs };
  if (isFromBot(activity)) return { inbound: { kind: 'ignored', reason: 'messages from bots are ignored', invoke }, refs };
  const sender = who(activity, tenantId);
  if (typeof sender === 'string') return { inbound: { kind: 'ignored', reason: sender, invoke }, refs };
  if (!allowed) return { inbound: { kind: 'refused', reason: `tenant ${tenantId ?? '(none)'} is not in teams.tenants`, invoke, ...sender }, refs };

  if (isClick(activity)) return { inbound: { kind: 'click', token: clickToken(activity), invoke, ...sender }, refs };
  const { text, mentionsBot } = stripMentions(activity.text ?? '', activity.entities, str(activity.recipient?.id));
  const place = conversationTypeOf(activity);
  if ((place === 'channel' || place === 'groupChat') && !mentionsBot) {
    return { inbound: { kind: 'ignored', reason: 'a channel or group message that does not @mention opsbot', invoke }, refs };
  }
  return { inbound: { kind: 'command', text, ...sender }, refs };
}
