/**
 * Teams' side of the outbox seam: posts and edits Adaptive Cards in conversations opsbot was added to,
 * proactively (CloudAdapter.continueConversationAsync over the stored conversation reference). The
 * outbox decides when; this translates, sends once, and says whether a failure is worth retrying.
 */
import type { Activity, CloudAdapter, ConversationReference, TurnContext } from 'botbuilder';
import type { ConnectorClient } from 'botframework-connector';
import { PermanentDeliveryError, type ChatDelivery, type MessageRef, type PostOptions } from '../../core/chat.js';
import type { Conversation } from '../../core/identity.js';
import type { Message } from '../../core/message.js';
import type { ConversationRefStore } from '../../core/store.js';
import { buttonSigner, type SigningSettings } from './action-token.js';
import { deliveryError } from './errors.js';
import type { TeamsAddress } from './inbound.js';
import { fromStoredRef } from './refs.js';
import { renderActivity, type CardActivity } from './render.js';

export interface TeamsDeliveryDeps {
  readonly adapter: Pick<CloudAdapter, 'continueConversationAsync' | 'ConnectorClientKey'>;
  readonly appId: string;
  readonly refs: ConversationRefStore;
  readonly signing: SigningSettings;
}

/** The Bot Framework conversation id to post into: a channel's reply chain is `<channel>;messageid=<root>`. */
export function wireConversationId(address: Pick<TeamsAddress, 'conversationId' | 'conversationType'>, threadId: string | undefined): string {
  return threadId !== undefined && address.conversationType !== 'personal' ? `${address.conversationId};messageid=${threadId}` : address.conversationId;
}

export function notAddedError(conversationId: string): PermanentDeliveryError {
  return new PermanentDeliveryError(
    `opsbot was never added to teams:${conversationId}; add the app to that team/chat first (or @mention opsbot there once, so it learns the channel)`,
  );
}

export class TeamsDelivery implements ChatDelivery {
  readonly platform = 'teams' as const;

  constructor(private readonly deps: TeamsDeliveryDeps) {}

  async post(conversation: Conversation, message: Message, options: PostOptions = {}): Promise<MessageRef> {
    const address = await this.address(conversation.id);
    const wireId = wireConversationId(address, options.threadId ?? conversation.threadId);
    const activity = renderActivity(message, buttonSigner(this.deps.signing, conversation.id, options.actors ?? []));
    let messageId: string | undefined;
    await this.continue(address, wireId, `posting to teams:${conversation.id}`, async (client, outgoing) => {
      messageId = (await client.conversations.sendToConversation(wireId, outgoing(activity))).id;
    });
    if (messageId === undefined || messageId === '') throw new PermanentDeliveryError(`posting to teams:${conversation.id}: the Bot Connector returned no activity id`);
    return { platform: 'teams', conversationId: conversation.id, messageId, extra: { serviceUrl: address.serviceUrl, conversation: wireId } };
  }

  async update(ref: MessageRef, message: Message, options: PostOptions = {}): Promise<void> {
    const address = await this.address(ref.conversationId);
    // The activity lives in the conversation it was posted to (a reply chain, for a channel thread).
    const wireId = ref.extra?.conversation ?? address.conversationId;
    const activity = renderActivity(message, buttonSigner(this.deps.signing, ref.conversationId, options.actors ?? []));
    await this.continue({ ...address, serviceUrl: ref.extra?.serviceUrl ?? address.serviceUrl }, wireId, `editing a message in teams:${ref.conversationId}`, async (client, outgoing) => {
      await client.conversations.updateActivity(wireId, ref.messageId, { ...outgoing(activity), id: ref.messageId });
    });
  }

  private async address(conversationId: string): Promise<TeamsAddress> {
    const stored = await this.deps.refs.get('teams', conversationId);
    const address = stored === null ? null : fromStoredRef(stored);
    if (address === null) throw notAddedError(conversationId);
    return address;
  }

  /**
   * Runs `send` with a connector client for the conversation's service URL, made by CloudAdapter's
   * proactive path (continueConversationAsync: credentials, retries off). The Bot Connector is called
   * directly, not through TurnContext.sendActivity, which would turn every proactive post into a reply
   * to the made-up id of the continuation activity.
   */
  private async continue(address: TeamsAddress, wireId: string, what: string, send: (client: ConnectorClient, outgoing: (a: CardActivity) => Partial<Activity>) => Promise<void>): Promise<void> {
    // Only what Teams needs; botbuilder's types want every field, the wire does not.
    const conversation = {
      id: wireId,
      ...(address.conversationType === null ? {} : { conversationType: address.conversationType, isGroup: address.conversationType !== 'personal' }),
      ...(address.tenantId === null ? {} : { tenantId: address.tenantId }),
    } as ConversationReference['conversation'];
    const bot = { id: address.botId, ...(address.botName === null ? {} : { name: address.botName }) } as ConversationReference['bot'];
    const reference: Partial<ConversationReference> = { channelId: 'msteams', serviceUrl: address.serviceUrl, bot, conversation };
    const outgoing = (a: CardActivity): Partial<Activity> => ({ ...a, channelId: 'msteams', serviceUrl: address.serviceUrl, from: bot, conversation });
    // The adapter's onTurnError would swallow a failure inside the turn: keep it and rethrow it here.
    const failure: { error?: unknown; failed: boolean } = { failed: false };
    const logic = async (context: TurnContext): Promise<void> => {
      try {
        const client = context.turnState.get<ConnectorClient | undefined>(this.deps.adapter.ConnectorClientKey);
        if (client === undefined) throw new Error('botbuilder made no connector client for a proactive turn');
        await send(client, outgoing);
      } catch (error: unknown) {
        failure.failed = true;
        failure.error = error;
      }
    };
    try {
      await this.deps.adapter.continueConversationAsync(this.deps.appId, reference, logic);
    } catch (error: unknown) {
      failure.failed = true;
      failure.error = error;
    }
    if (failure.failed) throw deliveryError(failure.error, what);
  }
}
