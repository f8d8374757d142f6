/**
 * The parts of a Bot Framework Activity opsbot reads, as a schema: this is wire input, and upstream
 * samples omit, rename (`serviceURL`) or null any field. Every field is optional and may be null
 * (both mean "not given"); a field that is there must have its type, so that a malformed activity is
 * refused with a reason at the route (`WIRE_ACTIVITY`, HTTP 400) instead of failing deep in a turn.
 * Everything else in an activity is allowed and ignored.
 */
import { Type, type Static } from '@sinclair/typebox';
import { optionalOrNull as maybe } from '../../json-shape.js';

const text = maybe(Type.String());

const ACCOUNT = Type.Object({ id: text, name: text, aadObjectId: text, role: text });

export const WIRE_ACTIVITY = Type.Object({
  type: text,
  name: text,
  id: text,
  text,
  value: Type.Optional(Type.Unknown()),
  channelId: text,
  serviceUrl: text,
  from: maybe(ACCOUNT),
  recipient: maybe(ACCOUNT),
  conversation: maybe(Type.Object({ id: text, name: text, conversationType: text, tenantId: text, isGroup: maybe(Type.Boolean()) })),
  channelData: maybe(
    Type.Object({
      tenant: maybe(Type.Object({ id: text })),
      channel: maybe(Type.Object({ id: text, name: text })),
      team: maybe(Type.Object({ id: text, name: text, aadGroupId: text })),
      teamsChannelId: text,
      teamsTeamId: text,
      eventType: text,
      settings: maybe(Type.Object({ selectedChannel: maybe(Type.Object({ id: text })) })),
    }),
  ),
  entities: maybe(Type.Array(Type.Object({ type: text, text, mentioned: maybe(ACCOUNT) }))),
  membersAdded: maybe(Type.Array(ACCOUNT)),
  membersRemoved: maybe(Type.Array(ACCOUNT)),
  /** installationUpdate: add, add-upgrade, remove, remove-upgrade. */
  action: text,
  replyToId: text,
  /** The sender's IANA zone, as their Teams client reports it (e.g. "America/Los_Angeles"). */
  localTimezone: text,
});

export type WireActivity = Static<typeof WIRE_ACTIVITY>;
export type WireAccount = Static<typeof ACCOUNT>;
export type WireEntity = NonNullable<WireActivity['entities']>[number];

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Tenant of the activity, lowercase (GUIDs compare case-insensitively). */
export function tenantOf(activity: WireActivity): string | null {
  const id = str(activity.channelData?.tenant?.id) ?? str(activity.conversation?.tenantId);
  return id === undefined ? null : id.toLowerCase();
}

/** `19:abc@thread.tacv2;messageid=1700` → base id and reply-chain root. */
export function splitConversationId(id: string): { readonly base: string; readonly threadId: string | null } {
  const match = /^(.*);messageid=(\d+)$/.exec(id);
  return match === null ? { base: id, threadId: null } : { base: match[1] ?? id, threadId: match[2] ?? null };
}

export type ConversationType = 'channel' | 'groupChat' | 'personal';

export function conversationTypeOf(activity: WireActivity): ConversationType | null {
  const type = activity.conversation?.conversationType;
  if (type === 'channel' || type === 'groupChat' || type === 'personal') return type;
  if (str(activity.channelData?.channel?.id) !== undefined || str(activity.channelData?.teamsChannelId) !== undefined) return 'channel';
  if (activity.conversation?.isGroup === true) return 'groupChat';
  return null;
}

/**
 * The neutral conversation of an activity: the channel id for channel messages (every thread of a
 * channel is one conversation for bindings and confirmations), the chat id otherwise; the reply
 * chain is the thread.
 */
export function neutralConversationOf(activity: WireActivity): { readonly id: string; readonly threadId: string | null; readonly name: string | null } | null {
  const raw = str(activity.conversation?.id);
  if (raw === undefined) return null;
  const { base, threadId } = splitConversationId(raw);
  const channel = conversationTypeOf(activity) === 'channel' ? (str(activity.channelData?.channel?.id) ?? str(activity.channelData?.teamsChannelId)) : undefined;
  const name = str(activity.channelData?.channel?.name) ?? str(activity.conversation?.name ?? undefined) ?? null;
  return { id: channel ?? base, threadId, name };
}

export function serviceUrlOf(activity: WireActivity): string | null {
  return str(activity.serviceUrl) ?? null;
}

export function isFromBot(activity: WireActivity): boolean {
  return activity.from?.role === 'bot' || (activity.from?.id?.startsWith('28:') ?? false);
}

export function isBot(account: WireAccount | undefined, botId: string | undefined): boolean {
  return typeof account?.id === 'string' && botId !== undefined && account.id === botId;
}
