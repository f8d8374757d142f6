/**
 * Who opsbot itself is on Mattermost, so an outgoing webhook fired by opsbot's own post (a live job
 * post or a late answer, made through the REST API with the bot token) is not run as a command: that
 * could loop. The webhook payload carries no "from a bot" flag (only user_id and user_name), so the
 * bot's user id is the one test; it comes from GET /api/v4/users/me with the bot token, once.
 * Posts made from a webhook's own response do not fire outgoing webhooks in Mattermost, and without
 * a bot token opsbot posts nothing else, so then there is nothing to recognise.
 */
import type { Logger } from '../../core/log.js';
import type { MattermostClient } from './client.js';

export class BotUser {
  private known: string | null = null;
  private pending: Promise<string | null> | null = null;

  constructor(
    private readonly client: Pick<MattermostClient, 'getMe'> | null,
    private readonly logger: Logger,
    /** How long a webhook request waits for the first lookup; it goes on in the background after that. */
    private readonly waitMs: number,
  ) {}

  /** The bot's user id, or null when there is no bot token or Mattermost has not told us (yet). */
  async id(): Promise<string | null> {
    if (this.known !== null || this.client === null) return this.known;
    this.pending ??= this.lookup(this.client);
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), this.waitMs);
    });
    try {
      return await Promise.race([this.pending, waited]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async lookup(client: Pick<MattermostClient, 'getMe'>): Promise<string | null> {
    try {
      const me = await client.getMe();
      this.known = me.id;
      return me.id;
    } catch (error: unknown) {
      // Not kept: the next webhook asks again.
      this.logger.warn({ err: error }, "mattermost: could not look up the bot's own user (GET /users/me); its own posts are not recognised until it can");
      return null;
    } finally {
      this.pending = null;
    }
  }
}
