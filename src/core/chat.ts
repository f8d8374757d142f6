/**
 * The seam between the durable outbox and each chat platform. An adapter implements ChatDelivery
 * (translate a neutral Message to the platform's wire format and send it); the outbox decides when,
 * retries, honours rate limits and Retry-After, and remembers the refs so a job or alert group keeps
 * editing one post.
 */
import type { Conversation, Platform } from './identity.js';
import type { Message } from './message.js';

/** Enough to edit or thread under a message later, on any replica. */
export interface MessageRef {
  readonly platform: Platform;
  readonly conversationId: string;
  /** The platform's id of the post/activity. */
  readonly messageId: string;
  /** Platform extras needed to edit (e.g. Teams' serviceUrl); never secrets. */
  readonly extra?: Readonly<Record<string, string>>;
}

export interface PostOptions {
  /** Reply in this thread (Mattermost root id, Teams reply chain id). */
  readonly threadId?: string;
  /**
   * Platform user ids who may press the message's buttons (adapters sign this into each button);
   * absent or empty: anyone in the conversation (the command's permission is still checked).
   * With exactly one actor, an `ephemeral` message is shown to that person only, where supported.
   */
  readonly actors?: readonly string[];
}

/** Thrown by a delivery when trying again later may succeed (429, 5xx, network). */
export class RetryableDeliveryError extends Error {
  constructor(
    message: string,
    /** From Retry-After or the platform's rate-limit headers, when it said. */
    readonly retryAfterMs: number | null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RetryableDeliveryError';
  }
}

/** Thrown when trying again cannot help (400, 401, 403, 404, a channel the bot is not in). */
export class PermanentDeliveryError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentDeliveryError';
  }
}

export interface ChatDelivery {
  readonly platform: Platform;
  post(conversation: Conversation, message: Message, options?: PostOptions): Promise<MessageRef>;
  update(ref: MessageRef, message: Message, options?: PostOptions): Promise<void>;
}
