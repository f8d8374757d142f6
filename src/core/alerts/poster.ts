/**
 * How alert groups reach chat. `show` puts a message under a key in a conversation: the first call
 * posts, later calls edit that same post where the platform supports it. The chat adapters'
 * outbox keeps key → post refs (any replica can edit), retries and paces deliveries; a conversation
 * whose platform has no outbox delivery falls back to the Notifier, where each call is a new post.
 */
import type { Conversation, Platform } from '../identity.js';
import type { Message } from '../message.js';
import type { Notifier } from '../notify.js';

export interface AlertPoster {
  show(conversation: Conversation, key: string, message: Message): Promise<void>;
  /** False when each `show` is a new post (no edit in place). */
  editsInPlace(conversation: Conversation): boolean;
}

/** The part of the Outbox the poster uses. */
export interface KeyedOutbox {
  has(platform: Platform): boolean;
  enqueue(outgoing: { readonly conversation: Conversation; readonly key?: string | null; readonly message: Message }): Promise<unknown>;
}

export function notifierPoster(notifier: Notifier): AlertPoster {
  return {
    show: (conversation, _key, message) => notifier.notify(conversation, message),
    editsInPlace: () => false,
  };
}

export function chatPoster(outbox: KeyedOutbox, fallback: Notifier): AlertPoster {
  const viaNotifier = notifierPoster(fallback);
  return {
    async show(conversation, key, message) {
      if (outbox.has(conversation.platform)) await outbox.enqueue({ conversation, key, message });
      else await viaNotifier.show(conversation, key, message);
    },
    editsInPlace: (conversation) => outbox.has(conversation.platform),
  };
}
