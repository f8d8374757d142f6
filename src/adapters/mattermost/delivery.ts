/**
 * ChatDelivery for Mattermost, driven by the outbox: a post is Client4.createPost (or
 * createPostEphemeral for a message meant for one person), an edit is Client4.patchPost. A ref that
 * holds a slash command's response_url instead of a post id (no bot token configured) is "edited" by
 * posting the new state to that URL, which Mattermost allows five times within 30 minutes. Failures
 * are sorted into retryable (429, 5xx, network, timeout) and permanent (everything else).
 */
import { PermanentDeliveryError, RetryableDeliveryError, type ChatDelivery, type MessageRef, type PostOptions } from '../../core/chat.js';
import type { Clock } from '../../core/clock.js';
import type { Conversation } from '../../core/identity.js';
import type { Message } from '../../core/message.js';
import type { ButtonFactory } from './buttons.js';
import { MattermostHttpError, retryAfterMs, type MattermostClient } from './client.js';
import { renderPost } from './render.js';
import type { CommandResponse } from './wire.js';

/** Mattermost accepts posts to a response_url for 30 minutes after the command. */
export const RESPONSE_URL_TTL_MS = 30 * 60_000;

export interface DeliveryDeps {
  /** Null without a bot token: only response_url refs can be delivered. */
  readonly client: MattermostClient | null;
  readonly buttons: ButtonFactory;
  readonly clock: Clock;
  readonly timeoutMs: number;
}

/** A ref that stands for a slash command's response_url rather than a post. */
export function hookRef(conversationId: string, responseUrl: string, issuedAt: Date): MessageRef {
  const hookId = responseUrl.split('/').pop() ?? '';
  return { platform: 'mattermost', conversationId, messageId: `hook:${hookId}`, extra: { responseUrl, issuedAt: String(issuedAt.getTime()) } };
}

export class MattermostDelivery implements ChatDelivery {
  readonly platform = 'mattermost' as const;

  constructor(private readonly deps: DeliveryDeps) {}

  async post(conversation: Conversation, message: Message, options: PostOptions = {}): Promise<MessageRef> {
    const client = this.requireClient();
    const actors = options.actors ?? [];
    const rendered = renderPost(message, this.deps.buttons.maker({ actors, note: message.title ?? null, update: false }));
    const post = {
      channel_id: conversation.id,
      message: rendered.message,
      props: { attachments: rendered.attachments },
      ...(options.threadId === undefined ? {} : { root_id: options.threadId }),
    };
    const onlyFor = actors.length === 1 ? actors[0] : undefined;
    const created = await classify(() => (message.ephemeral === true && onlyFor !== undefined ? client.createPostEphemeral(onlyFor, post) : client.createPost(post)));
    return { platform: 'mattermost', conversationId: conversation.id, messageId: created.id };
  }

  async update(ref: MessageRef, message: Message, options: PostOptions = {}): Promise<void> {
    const responseUrl = ref.extra?.responseUrl;
    if (responseUrl !== undefined) {
      await this.postToResponseUrl(ref, responseUrl, message, options);
      return;
    }
    const client = this.requireClient();
    const rendered = renderPost(message, this.deps.buttons.maker({ actors: options.actors ?? [], note: message.title ?? null, update: false }));
    await classify(() => client.patchPost({ id: ref.messageId, message: rendered.message, props: { attachments: rendered.attachments } }));
  }

  private async postToResponseUrl(ref: MessageRef, url: string, message: Message, options: PostOptions): Promise<void> {
    const issuedAt = Number(ref.extra?.issuedAt ?? '0');
    if (this.deps.clock.now().getTime() - issuedAt > RESPONSE_URL_TTL_MS) {
      throw new PermanentDeliveryError('the command\'s response_url has expired (Mattermost allows 30 minutes); the result is in `job <id>`');
    }
    const rendered = renderPost(message, this.deps.buttons.maker({ actors: options.actors ?? [], note: message.title ?? null, update: true }));
    const body: CommandResponse = {
      response_type: message.ephemeral === true ? 'ephemeral' : 'in_channel',
      text: rendered.message,
      ...(rendered.attachments.length === 0 ? {} : { attachments: rendered.attachments }),
    };
    await classify(async () => {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.deps.timeoutMs),
      });
      const text = await response.text();
      if (!response.ok) throw new MattermostHttpError(response.status, `response_url answered ${response.status}: ${text.slice(0, 200)}`, retryAfterMs(response.headers));
    });
  }

  private requireClient(): MattermostClient {
    if (this.deps.client === null) {
      throw new PermanentDeliveryError('no Mattermost bot token is configured, and this message has no response_url to go to');
    }
    return this.deps.client;
  }
}

/** Runs one call and turns its failure into a Retryable or Permanent delivery error. */
export async function classify<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error: unknown) {
    if (error instanceof MattermostHttpError) {
      if (error.status === 429 || error.status === 408 || error.status >= 500) throw new RetryableDeliveryError(error.message, error.retryAfterMs, { cause: error });
      throw new PermanentDeliveryError(error.message, { cause: error });
    }
    // fetch rejects with a TypeError when it cannot connect, and with a TimeoutError/AbortError on timeout.
    if (error instanceof Error && (error.name === 'TypeError' || error.name === 'TimeoutError' || error.name === 'AbortError')) {
      const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
      throw new RetryableDeliveryError(`Mattermost unreachable (${error.message}${cause})`, null, { cause: error });
    }
    throw error;
  }
}
