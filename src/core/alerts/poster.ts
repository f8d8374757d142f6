/**
 * How alert groups reach chat. `show` puts a message under a key in a conversation: the first call
 * posts, later calls edit that same post where the platform supports it; `reply` posts in the thread
 * of the message shown under a key. The chat adapters' outbox keeps key → post refs (any replica can
 * edit or reply), retries and paces deliveries, and sends a post to its fallback while its chat is
 * unreachable; a conversation whose platform has no outbox delivery falls back to the Notifier, where
 * each call is a new post.
 */
import type { Conversation, Platform } from '../identity.js';
import type { Message } from '../message.js';
import type { Notifier } from '../notify.js';
import type { FallbackPolicy } from '../outbox/fallback-policy.js';

export interface ShowOptions {
  /** Routes of the groups the post shows: they pick its fallback (alerts.routes[].fallback). */
  readonly routes?: readonly string[];
}

export interface AlertPoster {
  show(conversation: Conversation, key: string, message: Message, options?: ShowOptions): Promise<void>;
  /** False when each `show` is a new post (no edit in place). */
  editsInPlace(conversation: Conversation): boolean;
  /** Posts `message` in the thread of the message shown under `rootKey`. Absent: no threads here. */
  reply?(conversation: Conversation, rootKey: string, message: Message): Promise<void>;
}

/** The part of the Outbox the poster uses. */
export interface KeyedOutbox {
  has(platform: Platform): boolean;
  enqueue(outgoing: {
    readonly conversation: Conversation;
    readonly key?: string | null;
    readonly message: Message;
    readonly threadKey?: string | null;
    readonly fallback?: FallbackPolicy | null;
  }): Promise<unknown>;
}

export interface ChatPosterOptions {
  /** The fallback of a post showing groups of these routes; null: none. */
  readonly fallbackFor?: (routes: readonly string[]) => FallbackPolicy | null;
}

export function notifierPoster(notifier: Notifier): AlertPoster {
  return {
    show: (conversation, _key, message) => notifier.notify(conversation, message),
    editsInPlace: () => false,
  };
}

export function chatPoster(outbox: KeyedOutbox, fallback: Notifier, options: ChatPosterOptions = {}): AlertPoster {
  const viaNotifier = notifierPoster(fallback);
  return {
    async show(conversation, key, message, show = {}) {
      if (!outbox.has(conversation.platform)) {
        await viaNotifier.show(conversation, key, message);
        return;
      }
      const policy = options.fallbackFor?.(show.routes ?? []) ?? null;
      await outbox.enqueue({ conversation, key, message, ...(policy === null ? {} : { fallback: policy }) });
    },
    editsInPlace: (conversation) => outbox.has(conversation.platform),
    async reply(conversation, rootKey, message) {
      // Only where posts are edited in place is there one root post to reply under.
      if (outbox.has(conversation.platform)) await outbox.enqueue({ conversation, message, threadKey: rootKey });
    },
  };
}
