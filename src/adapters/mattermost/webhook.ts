/**
 * Mattermost outgoing webhooks ⇄ Invocation / Message, and nothing else: a message that starts with
 * a webhook's trigger word (`#ops deploy store-pl blue`) becomes an invocation of the same dispatcher
 * as a slash command, as the poster's user_id in the message's channel_id (names for display), with
 * the text after the trigger word as the command. The HTTP answer is the webhook response, which
 * Mattermost posts in the channel; it comes back within the reply budget like a slash command's: a job
 * answers "Job #N started" and gets its live post through the outbox (bot token), a read-only command
 * not done in time answers "working on it" and is posted when ready (bot token).
 *
 * A webhook response is always a normal post in the channel: Mattermost has no ephemeral answer to an
 * outgoing webhook, so what a slash command shows only to its invoker (errors, confirmation prompts,
 * "Job #N started") is visible to the channel here. Buttons in it are still bound to the invoker.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Clock } from '../../core/clock.js';
import type { Dispatcher } from '../../core/dispatch.js';
import type { Invocation, Principal } from '../../core/identity.js';
import type { Logger } from '../../core/log.js';
import type { Message } from '../../core/message.js';
import type { ButtonFactory } from './buttons.js';
import { withGroups, type MattermostGroups } from './groups.js';
import { renderPost } from './render.js';
import type { Audience, Replies } from './replies.js';
import type { BotUser } from './webhook-bot-user.js';
import { commandText, type WebhookRequest } from './webhook-inbound.js';
import type { WebhookTokens } from './webhook-tokens.js';
import type { OutgoingWebhookResponse } from './wire.js';
import { dispatchWithinBudget } from './within-budget.js';

export interface WebhookDeps {
  readonly dispatcher: Pick<Dispatcher, 'dispatchNow'>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly tokens: WebhookTokens;
  readonly buttons: ButtonFactory;
  readonly replies: Pick<Replies, 'later' | 'jobStarted'>;
  readonly botUser: Pick<BotUser, 'id'>;
  /** True with a bot token: late answers and live job posts go out through the outbox. */
  readonly botMode: boolean;
  readonly replyBudgetMs: number;
  /** Reads users' groups; null when no role names a `group:` member (or there is no bot token). */
  readonly groups: MattermostGroups | null;
}

export type WebhookAnswer = { readonly status: 200; readonly body: OutgoingWebhookResponse } | { readonly status: 401; readonly body: { readonly error: string } };


/** An empty response: Mattermost posts nothing for it. */
const NOTHING: WebhookAnswer = { status: 200, body: {} };

const WORKING: Message = { tone: 'info', blocks: [{ kind: 'text', text: 'Working on it… the answer follows as soon as it is ready.' }] };
// An outgoing webhook has no response_url: without a bot token a late answer has nowhere to go.
const TOO_SLOW: Message = {
  tone: 'warning',
  blocks: [{ kind: 'text', text: 'This takes longer than a webhook answer may wait, and without a bot token opsbot cannot post the answer later. Use the slash command for it.' }],
};

export class WebhookAdapter {
  constructor(private readonly deps: WebhookDeps) {}

  async handle(request: WebhookRequest): Promise<WebhookAnswer> {
    const { deps } = this;
    const seen = { triggerWord: request.triggerWord, userId: request.userId, channelId: request.channelId, postId: request.postId };
    const hook = deps.tokens.match(request.token);
    if (hook === null) {
      deps.logger.warn({ ...seen, tokenSent: request.token !== null }, 'mattermost: outgoing webhook refused: missing or wrong token');
      return { status: 401, body: { error: 'missing or invalid outgoing webhook token' } };
    }
    if (hook.triggers.size > 0 && !hook.triggers.has(request.triggerWord)) {
      deps.logger.warn({ ...seen, webhook: hook.name }, 'mattermost: outgoing webhook refused: the token is not for this trigger word');
      return { status: 401, body: { error: `the token is not valid for the trigger word ${JSON.stringify(request.triggerWord)}` } };
    }
    // A webhook without trigger words fires on every message of its channel: chat is not commands.
    if (request.triggerWord === '') {
      deps.logger.debug({ ...seen, webhook: hook.name }, 'mattermost: outgoing webhook without a trigger word ignored');
      return NOTHING;
    }
    const started = performance.now();
    const self = await deps.botUser.id();
    if (self !== null && self === request.userId) {
      deps.logger.debug({ ...seen, webhook: hook.name }, "mattermost: outgoing webhook fired by opsbot's own post ignored");
      return NOTHING;
    }

    const person: Principal = { platform: 'mattermost', id: request.userId, name: request.userName || request.userId };
    const audience: Audience = {
      principal: deps.groups === null ? person : await withGroups(deps.groups, person),
      conversation: { platform: 'mattermost', id: request.channelId, ...(request.channelName === '' ? {} : { name: request.channelName }) },
      // No response_url: later answers need the bot token.
      hook: null,
    };
    const invocation: Invocation = { id: randomUUID(), text: commandText(request), principal: audience.principal, conversation: audience.conversation, receivedAt: deps.clock.now() };
    // The look-up of the bot's own user (first webhook only, normally) comes out of the same budget.
    const budgetMs = Math.max(100, deps.replyBudgetMs - (performance.now() - started));
    const settled = await dispatchWithinBudget(this.deps, invocation, audience, budgetMs);
    if (settled.kind === 'working') return { status: 200, body: this.response(deps.botMode ? WORKING : TOO_SLOW, audience) };
    const { outcome } = settled;
    if (outcome.kind === 'job') {
      await deps.replies.jobStarted(audience, outcome.job, outcome.completion);
      return { status: 200, body: this.response(outcome.accepted, audience) };
    }
    return { status: 200, body: this.response(outcome.reply, audience) };
  }

  /** As the slash command's: dispatches; an answer not ready within the budget is delivered later. */
  /** Rendered like a slash command's answer; `ephemeral` cannot be honoured here (see the top). */
  private response(message: Message, audience: Audience): OutgoingWebhookResponse {
    const rendered = renderPost(message, this.deps.buttons.maker({ actors: [audience.principal.id], channel: audience.conversation.id, threadId: audience.conversation.threadId ?? null, note: message.title ?? null, update: true }));
    return {
      text: rendered.message,
      ...(rendered.attachments.length === 0 ? {} : { attachments: rendered.attachments }),
    };
  }
}
