import type { Conversation } from './identity.js';
import type { Message } from './message.js';

/**
 * Posts a message to a conversation outside of a reply: job interruptions after a restart, queued
 * jobs starting, later alerts and announcements. Chat adapters implement it (through the outbox).
 */
export interface Notifier {
  notify(conversation: Conversation, message: Message): Promise<void>;
}

export const nullNotifier: Notifier = { notify: () => Promise.resolve() };
