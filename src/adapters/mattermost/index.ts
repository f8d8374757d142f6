/**
 * Wires Mattermost into a built app: the REST client (with the bot token), the delivery registered
 * with the outbox (and as the notifier for Mattermost conversations), live job posts, and the routes
 * (slash commands, buttons, dialogs, outgoing webhooks).
 * Called by `opsbot serve` when the config has a `mattermost` section, and by the tests.
 */
import type { App } from '../../app.js';
import type { MattermostConfig, ServerConfig } from '../../config/types.js';
import type { Clock } from '../../core/clock.js';
import { systemClock } from '../../core/clock.js';
import type { FastifyInstance } from 'fastify';
import { MattermostAdapter } from './adapter.js';
import { ButtonFactory } from './buttons.js';
import { MattermostClient } from './client.js';
import { MattermostGroups } from './groups.js';
import { MattermostTimeZones } from './profiles.js';
import { MattermostDelivery } from './delivery.js';
import { Replies } from './replies.js';
import { ACTION_PATH, DIALOG_PATH, mattermostRoutes } from './routes.js';
import { ActionSigner } from './signing.js';
import { TriggerTokens } from './tokens.js';
import { WebhookAdapter } from './webhook.js';
import { BotUser } from './webhook-bot-user.js';
import { webhookRoutes } from './webhook-route.js';
import { WebhookTokens } from './webhook-tokens.js';

export interface MattermostWiring {
  readonly adapter: MattermostAdapter;
  /** Outgoing webhooks (POST /mattermost/webhook). */
  readonly webhook: WebhookAdapter;
  readonly delivery: MattermostDelivery;
  readonly client: MattermostClient | null;
  readonly routes: (app: FastifyInstance) => void;
  stop(): void;
}

export interface MattermostOptions {
  readonly clock?: Clock;
  /** A job still running after this long gets one mid-way update through its response_url (default 60 s). */
  readonly midwayAfterMs?: number;
}

/** Where Mattermost reaches opsbot: the configured publicUrl, else the HTTP server's own address. */
export function publicUrlOf(config: MattermostConfig, server: Pick<ServerConfig, 'host' | 'port'>): string {
  if (config.publicUrl !== null) return config.publicUrl;
  const host = server.host === '0.0.0.0' || server.host === '::' ? '127.0.0.1' : server.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${server.port}`;
}

export function clientFor(config: MattermostConfig): MattermostClient | null {
  return config.botToken === null ? null : new MattermostClient({ url: config.url, token: config.botToken, timeoutMs: config.requestTimeout });
}

export function startMattermost(app: App, config: MattermostConfig, options: MattermostOptions = {}): MattermostWiring {
  const clock = options.clock ?? systemClock;
  const publicUrl = publicUrlOf(config, app.loaded.config.server);
  const signer = new ActionSigner(config.actionSecret);
  const buttons = new ButtonFactory(signer, clock, `${publicUrl}${ACTION_PATH}`, config.actionTtl);
  const client = clientFor(config);
  const delivery = new MattermostDelivery({
    client,
    buttons,
    clock,
    timeoutMs: config.requestTimeout,
    uploadLimitBytes: config.uploadLimit,
    logger: app.logger.child({ adapter: 'mattermost' }),
  });
  const logger = app.logger.child({ adapter: 'mattermost' });

  app.outbox.register(delivery, {
    rateLimit: { perSecond: config.rateLimit, burst: config.rateLimit },
    maxDelayMs: config.retryMaxDelay,
    giveUpAfterMs: config.giveUpAfter,
  });
  app.notifier.register('mattermost', app.outbox.notifier());
  if (client !== null) {
    app.liveJobs.enable('mattermost', { editsPerMinute: config.editsPerMinute });
    app.profiles.register('mattermost', new MattermostTimeZones(client));
  }

  // Groups are read only when a role names one: every other setup asks the server nothing more.
  if (app.policy.usesGroups && client === null) {
    logger.warn({}, 'mattermost: roles name group: members, but without mattermost.botToken the groups of Mattermost users cannot be read; those roles apply to nobody here');
  }
  const groups =
    app.policy.usesGroups && client !== null ? new MattermostGroups(client, logger, { ttlMs: config.groupsTtl, waitMs: Math.floor(config.replyBudget / 2) }) : null;

  const replies = new Replies({
    store: app.store,
    outbox: app.outbox,
    liveJobs: app.liveJobs,
    clock,
    logger,
    botMode: client !== null,
    midwayAfterMs: options.midwayAfterMs ?? 60_000,
  });
  const adapter = new MattermostAdapter({
    dispatcher: app.dispatcher,
    registry: app.registry,
    store: app.store,
    clock,
    logger,
    tokens: new TriggerTokens(config.commands),
    signer,
    buttons,
    replies,
    client,
    serverUrl: config.url,
    dialogUrl: `${publicUrl}${DIALOG_PATH}`,
    umbrella: config.umbrella,
    replyBudgetMs: config.replyBudget,
    dialogTtlMs: config.actionTtl,
    groups,
  });
  const webhook = new WebhookAdapter({
    dispatcher: app.dispatcher,
    clock,
    logger,
    tokens: new WebhookTokens(config.webhooks),
    buttons,
    replies,
    // Waits at most half the reply budget for the first look-up; the rest is the command's.
    botUser: new BotUser(client, logger, Math.floor(config.replyBudget / 2)),
    botMode: client !== null,
    replyBudgetMs: config.replyBudget,
    groups,
  });
  const commandRoutes = mattermostRoutes(adapter);
  const hookRoutes = webhookRoutes(webhook);
  const routes = (http: FastifyInstance): void => {
    commandRoutes(http);
    hookRoutes(http);
  };
  return { adapter, webhook, delivery, client, routes, stop: () => replies.stop() };
}
