/**
 * ChatDelivery for Mattermost, driven by the outbox: a post is Client4.createPost (or
 * createPostEphemeral for a message meant for one person), an edit is Client4.patchPost. A ref that
 * holds a slash command's response_url instead of a post id (no bot token configured) is "edited" by
 * posting the new state to that URL, which Mattermost allows five times within 30 minutes. Failures
 * are sorted into retryable (429, 5xx, network, timeout) and permanent (everything else).
 *
 * A message's file (a finished job's log) that the post cannot show is uploaded (Client4.uploadFile)
 * and attached through the post's file_ids; an edited post that the server answers without the file
 * (servers that ignore file_ids on edits) gets it in a reply in its thread instead. The upload is
 * best effort: when it fails the post still goes out, and its text points to `job <id>`. A response_url
 * cannot carry files, so there the pointer is all.
 */
import { PermanentDeliveryError, RetryableDeliveryError, type ChatDelivery, type MessageRef, type PostOptions } from '../../core/chat.js';
import type { Clock } from '../../core/clock.js';
import { createHash } from 'node:crypto';
import type { Conversation } from '../../core/identity.js';
import { silentLogger, type Logger } from '../../core/log.js';
import type { Message } from '../../core/message.js';
import type { ButtonFactory } from './buttons.js';
import { MattermostHttpError, retryAfterMs, type MattermostClient } from './client.js';
import { DEFAULT_UPLOAD_LIMIT_BYTES, showsFile, tailWithin, tooLongForPost } from './log-file.js';
import { renderPost, type RenderedPost } from './render.js';
import type { CommandResponse } from './wire.js';

/** Mattermost accepts posts to a response_url for 30 minutes after the command. */
export const RESPONSE_URL_TTL_MS = 30 * 60_000;

export interface DeliveryDeps {
  /** Null without a bot token: only response_url refs can be delivered. */
  readonly client: MattermostClient | null;
  readonly buttons: ButtonFactory;
  readonly clock: Clock;
  readonly timeoutMs: number;
  /** Bytes of a message's file uploaded at most, its tail kept (mattermost.uploadLimit); 0: never. */
  readonly uploadLimitBytes?: number;
  /** Where a failed upload is told (the post itself still goes out). */
  readonly logger?: Logger;
}

/** Uploads not attached yet, remembered so a retried delivery does not upload the same log again. */
const UPLOADS_REMEMBERED = 64;

interface Upload {
  readonly fileId: string;
  /** Its entry in the remembered uploads. */
  readonly key: string;
  readonly name: string;
}

/** A ref that stands for a slash command's response_url rather than a post. */
export function hookRef(conversationId: string, responseUrl: string, issuedAt: Date): MessageRef {
  const hookId = responseUrl.split('/').pop() ?? '';
  return { platform: 'mattermost', conversationId, messageId: `hook:${hookId}`, extra: { responseUrl, issuedAt: String(issuedAt.getTime()) } };
}

export class MattermostDelivery implements ChatDelivery {
  readonly platform = 'mattermost' as const;
  private readonly uploadLimit: number;
  private readonly logger: Logger;
  /** `<channel>\n<name>\n<sha256>` -> file id of an upload whose post has not gone out yet. */
  private readonly uploads = new Map<string, string>();

  constructor(private readonly deps: DeliveryDeps) {
    this.uploadLimit = deps.uploadLimitBytes ?? DEFAULT_UPLOAD_LIMIT_BYTES;
    this.logger = deps.logger ?? silentLogger;
  }

  async post(conversation: Conversation, message: Message, options: PostOptions = {}): Promise<MessageRef> {
    const client = this.requireClient();
    const actors = options.actors ?? [];
    const rendered = renderPost(message, this.deps.buttons.maker({ actors, channel: conversation.id, threadId: options.threadId ?? null, note: message.title ?? null, update: false }));
    const onlyFor = actors.length === 1 ? actors[0] : undefined;
    const ephemeral = message.ephemeral === true && onlyFor !== undefined;
    // An ephemeral post is never stored by the server, so it cannot hold a file.
    const upload = ephemeral ? null : await this.upload(client, conversation.id, message, rendered);
    const post = {
      channel_id: conversation.id,
      message: rendered.message,
      props: { attachments: rendered.attachments },
      ...(options.threadId === undefined ? {} : { root_id: options.threadId }),
    };
    const created = await this.withFile(upload, (fileIds) =>
      ephemeral && onlyFor !== undefined ? client.createPostEphemeral(onlyFor, post) : client.createPost({ ...post, ...fileIds }),
    );
    // Client4 passes on whatever JSON came back: a post without its id could never be edited, and
    // sending it again would post it twice, so it is a permanent failure, said plainly.
    const id: unknown = (created as { id?: unknown } | null)?.id;
    if (typeof id !== 'string' || id === '') throw new PermanentDeliveryError('Mattermost answered the new post without its id');
    return { platform: 'mattermost', conversationId: conversation.id, messageId: id };
  }

  async update(ref: MessageRef, message: Message, options: PostOptions = {}): Promise<void> {
    const responseUrl = ref.extra?.responseUrl;
    if (responseUrl !== undefined) {
      await this.postToResponseUrl(ref, responseUrl, message, options);
      return;
    }
    const client = this.requireClient();
    const rendered = renderPost(message, this.deps.buttons.maker({ actors: options.actors ?? [], channel: ref.conversationId, threadId: options.threadId ?? null, note: message.title ?? null, update: false }));
    const upload = await this.upload(client, ref.conversationId, message, rendered);
    const patched = await this.withFile(upload, (fileIds) => client.patchPost({ id: ref.messageId, message: rendered.message, props: { attachments: rendered.attachments }, ...fileIds }));
    if (upload !== null && !showsFile(patched, upload.fileId)) await this.replyWithFile(client, ref, upload.fileId, upload.name, options);
  }

  /**
   * Sends a post or edit with the uploaded file's id. Should the server refuse it for good (a file id
   * it will not take), it goes again without: the message matters more than its file.
   */
  private async withFile<T>(upload: Upload | null, send: (fileIds: { file_ids?: string[] }) => Promise<T>): Promise<T> {
    if (upload === null) return classify(() => send({}));
    try {
      const sent = await classify(() => send({ file_ids: [upload.fileId] }));
      this.uploads.delete(upload.key);
      return sent;
    } catch (error: unknown) {
      if (!(error instanceof PermanentDeliveryError)) throw error;
      this.uploads.delete(upload.key);
      this.logger.warn({ err: error, file: upload.name }, 'Mattermost refused the post with its log file attached; sending it without the file');
      return classify(() => send({}));
    }
  }

  /**
   * Uploads the message's file when the post cannot show it; null when there is none to upload or
   * the upload failed (logged: the post goes out without it, its text pointing to `job <id>`).
   */
  private async upload(client: MattermostClient, channelId: string, message: Message, rendered: RenderedPost): Promise<Upload | null> {
    const file = message.file;
    if (file === undefined || file.text === '' || this.uploadLimit <= 0 || !tooLongForPost(rendered, file)) return null;
    const text = tailWithin(file.text, this.uploadLimit);
    const key = `${channelId}\n${file.name}\n${createHash('sha256').update(text).digest('hex')}`;
    const known = this.uploads.get(key);
    if (known !== undefined) return { fileId: known, key, name: file.name };
    try {
      const fileId = await classify(() => client.uploadTextFile(channelId, file.name, text));
      this.uploads.set(key, fileId);
      if (this.uploads.size > UPLOADS_REMEMBERED) this.uploads.delete(this.uploads.keys().next().value as string);
      return { fileId, key, name: file.name };
    } catch (error: unknown) {
      this.logger.warn({ err: error, channelId, file: file.name, bytes: Buffer.byteLength(text) }, 'could not upload a log file to Mattermost; the post points to `job <id>` instead');
      return null;
    }
  }

  /** The file in a reply in the post's thread, for servers that do not attach files to an edited post. */
  private async replyWithFile(client: MattermostClient, ref: MessageRef, fileId: string, name: string, options: PostOptions): Promise<void> {
    try {
      await classify(() =>
        client.createPost({ channel_id: ref.conversationId, root_id: options.threadId ?? ref.messageId, message: `Full log: \`${name}\``, file_ids: [fileId] }),
      );
    } catch (error: unknown) {
      this.logger.warn({ err: error, channelId: ref.conversationId, postId: ref.messageId, file: name }, 'could not post the log file in the thread of its post; the post points to `job <id>`');
    }
  }

  private async postToResponseUrl(ref: MessageRef, url: string, message: Message, options: PostOptions): Promise<void> {
    const issuedAt = Number(ref.extra?.issuedAt ?? '0');
    if (this.deps.clock.now().getTime() - issuedAt > RESPONSE_URL_TTL_MS) {
      throw new PermanentDeliveryError('the command\'s response_url has expired (Mattermost allows 30 minutes); the result is in `job <id>`');
    }
    const rendered = renderPost(message, this.deps.buttons.maker({ actors: options.actors ?? [], channel: ref.conversationId, threadId: options.threadId ?? null, note: message.title ?? null, update: true }));
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
