/**
 * Routes out-of-band messages (interrupted jobs, queued jobs starting, later alerts and announcements)
 * to the chat adapter of the conversation's platform. With no adapter for that platform the message is
 * logged, and the fact stays on the job record for `jobs` / `job <id>`.
 */
import type { Conversation, Platform } from '../core/identity.js';
import type { Logger } from '../core/log.js';
import type { Message } from '../core/message.js';
import type { Notifier } from '../core/notify.js';

export class NotifierRouter implements Notifier {
  private readonly byPlatform = new Map<Platform, Notifier>();

  constructor(private readonly logger: Logger) {}

  register(platform: Platform, notifier: Notifier): void {
    this.byPlatform.set(platform, notifier);
  }

  /** True when a chat adapter for `platform` is connected (a fallback must know its post goes somewhere). */
  has(platform: Platform): boolean {
    return this.byPlatform.has(platform);
  }

  async notify(conversation: Conversation, message: Message): Promise<void> {
    const notifier = this.byPlatform.get(conversation.platform);
    if (notifier === undefined) {
      this.logger.warn({ conversation, title: message.title, blocks: message.blocks }, 'no chat adapter for this conversation; notice logged only');
      return;
    }
    await notifier.notify(conversation, message);
  }
}
