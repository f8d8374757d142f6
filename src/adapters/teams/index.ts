/**
 * The Microsoft Teams adapter, assembled: Bot Framework authentication, botbuilder's CloudAdapter
 * behind `POST /api/messages`, the turn logic, and the delivery the outbox drives for proactive
 * posts and live job cards. Everything that imports botbuilder lives in this folder, so replacing it
 * (with @microsoft/agents-hosting, its successor) touches nothing else.
 */
import { CloudAdapter } from 'botbuilder';
import type { FastifyInstance } from 'fastify';
import type { TeamsConfig } from '../../config/types.js';
import type { Clock } from '../../core/clock.js';
import type { Dispatcher } from '../../core/dispatch.js';
import type { Logger } from '../../core/log.js';
import type { Notifier } from '../../core/notify.js';
import type { LiveJobPosts } from '../../core/outbox/live-jobs.js';
import type { Outbox } from '../../core/outbox/outbox.js';
import type { Store } from '../../core/store.js';
import type { Platform } from '../../core/identity.js';
import { createBotAuthentication, type BotEndpoints } from './auth.js';
import { TeamsBot, type TeamsBotDeps } from './bot.js';
import { TeamsDelivery } from './delivery.js';
import { registerMessagesRoute } from './http.js';

export { MESSAGES_PATH } from './http.js';
export { TeamsDelivery } from './delivery.js';
export type { BotEndpoints } from './auth.js';

/** Teams throttles each bot per conversation; 7 messages per second is the documented ceiling. */
export const TEAMS_RATE_LIMIT = { perSecond: 7, burst: 7 } as const;
/** Edits of one live job card per minute (Teams also caps a conversation at 60 messages per 30 s). */
export const TEAMS_LIVE_EDITS_PER_MINUTE = 20;

export interface TeamsAdapterDeps {
  readonly config: TeamsConfig;
  readonly dispatcher: Pick<Dispatcher, 'dispatch'>;
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly outbox: Pick<Outbox, 'register' | 'enqueue' | 'notifier'>;
  readonly liveJobs: Pick<LiveJobPosts, 'enable' | 'track'>;
  readonly notifier: { register(platform: Platform, notifier: Notifier): void };
  /** Tests point authentication at their own identity provider; production uses the public cloud. */
  readonly endpoints?: BotEndpoints;
  readonly fetch?: typeof fetch;
  readonly answerWithinMs?: number;
  readonly profiles?: TeamsBotDeps['profiles'];
}

export interface TeamsAdapter {
  readonly delivery: TeamsDelivery;
  /** Adds `POST /api/messages` to the HTTP server (a function value, so it can be handed around). */
  readonly routes: (app: FastifyInstance) => void;
}

export function startTeamsAdapter(deps: TeamsAdapterDeps): TeamsAdapter {
  const { config, clock } = deps;
  const logger = deps.logger.child({ adapter: 'teams' });
  const auth = createBotAuthentication({
    appId: config.appId,
    appPassword: config.appPassword,
    appTenantId: config.appTenantId,
    logger,
    ...(deps.endpoints === undefined ? {} : { endpoints: deps.endpoints }),
    ...(deps.fetch === undefined ? {} : { fetch: deps.fetch }),
  });
  const adapter = new CloudAdapter(auth);
  // The turn logic catches its own failures; anything reaching here is botbuilder's.
  adapter.onTurnError = (_context, error) => {
    logger.error({ err: error }, 'teams: botbuilder failed a turn');
    return Promise.resolve();
  };
  const signing = { secret: config.actionSecret, ttlMs: config.actionTtl, now: () => clock.now().getTime() };
  const delivery = new TeamsDelivery({ adapter, appId: config.appId, refs: deps.store.conversationRefs, signing });
  const bot = new TeamsBot({
    dispatcher: deps.dispatcher,
    store: deps.store,
    clock,
    logger,
    tenants: config.tenants,
    signing,
    liveJobs: deps.liveJobs,
    outbox: deps.outbox,
    ...(deps.answerWithinMs === undefined ? {} : { answerWithinMs: deps.answerWithinMs }),
    ...(deps.profiles === undefined ? {} : { profiles: deps.profiles }),
  });

  deps.outbox.register(delivery, { rateLimit: TEAMS_RATE_LIMIT });
  deps.liveJobs.enable('teams', { editsPerMinute: TEAMS_LIVE_EDITS_PER_MINUTE });
  deps.notifier.register('teams', deps.outbox.notifier());

  return {
    delivery,
    routes: (app) => registerMessagesRoute(app, adapter, (context) => bot.onTurn(context), logger),
  };
}
