/**
 * The parts of a Bot Framework Activity opsbot reads, typed loosely on purpose: this is wire input,
 * and upstream samples omit, rename (`serviceURL`) or null any field. Every field is optional and
 * checked where it is used.
 */
export interface WireAccount {
  readonly id?: string;
  readonly name?: string | null;
  readonly aadObjectId?: string;
  readonly role?: string;
}

export interface WireConversation {
  readonly id?: string;
  readonly name?: string | null;
  readonly conversationType?: string;
  readonly tenantId?: string;
  readonly isGroup?: boolean;
}

export interface WireEntity {
  readonly type?: string;
  readonly text?: string;
  readonly mentioned?: WireAccount;
}

export interface WireChannelData {
  readonly tenant?: { readonly id?: string };
  readonly channel?: { readonly id?: string; readonly name?: string };
  readonly team?: { readonly id?: string; readonly name?: string; readonly aadGroupId?: string };
  readonly teamsChannelId?: string;
  readonly teamsTeamId?: string;
  readonly eventType?: string;
  readonly settings?: { readonly selectedChannel?: { readonly id?: string } };
}

export interface WireActivity {
  readonly type?: string;
  readonly name?: string;
  readonly id?: string;
  readonly text?: string;
  readonly value?: unknown;
  readonly channelId?: string;
  readonly serviceUrl?: string;
  readonly from?: WireAccount;
  readonly recipient?: WireAccount;
  readonly conversation?: WireConversation;
  readonly channelData?: WireChannelData;
  readonly entities?: readonly WireEntity[];
  readonly membersAdded?: readonly WireAccount[];
  readonly membersRemoved?: readonly WireAccount[];
  /** installationUpdate: add, add-upgrade, remove, remove-upgrade. */
  readonly action?: string;
  readonly replyToId?: string;
  /** The sender's IANA zone, as their Teams client reports it (e.g. "America/Los_Angeles"). */
  readonly localTimezone?: string;
}

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
  return account?.id !== undefined && botId !== undefined && account.id === botId;
}
