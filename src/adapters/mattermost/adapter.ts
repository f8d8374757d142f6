/**
 * Mattermost ⇄ Invocation / Message, and nothing else: the slash command, the button click and the
 * dialog submission become invocations of the one dispatcher (user_id and channel_id are the
 * identity; names are for display); replies become CommandResponses, action responses and posts.
 * Every answer comes back within the reply budget: a reply not ready by then is "working on it" and
 * is posted when it is; a job answers "accepted" and gets its own live post.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { MessageRef } from '../../core/chat.js';
import type { Clock } from '../../core/clock.js';
import type { AnyArgValues } from '../../core/args/schema.js';
import type { Command } from '../../core/command.js';
import type { Dispatcher } from '../../core/dispatch.js';
import type { Conversation, Invocation, Principal } from '../../core/identity.js';
import type { Logger } from '../../core/log.js';
import type { Message } from '../../core/message.js';
import { tokenize } from '../../core/args/tokenize.js';
import type { CommandRegistry } from '../../core/registry.js';
import type { Store } from '../../core/store.js';
import { formatTime } from '../../core/format.js';
import type { ButtonFactory } from './buttons.js';
import type { MattermostClient } from './client.js';
import { withGroups, type MattermostGroups } from './groups.js';
import { hookRef } from './delivery.js';
import { buildDialog, missingRequired, submissionText } from './dialog.js';
import type { ActionRequest, DialogSubmission, SlashRequest } from './inbound.js';
import { renderMarkdown, renderPost, TONE_COLOURS } from './render.js';
import type { Audience, Replies } from './replies.js';
import type { ActionSigner } from './signing.js';
import type { TriggerTokens } from './tokens.js';
import type { ActionResponse, CommandResponse, DialogResponse } from './wire.js';
import type { Writable } from './writable.js';
import { dispatchWithinBudget } from './within-budget.js';

export interface AdapterDeps {
  readonly dispatcher: Pick<Dispatcher, 'dispatchNow'>;
  readonly registry: Pick<CommandRegistry, 'find'>;
  readonly store: Pick<Store, 'audit' | 'nonces'>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly tokens: TriggerTokens;
  readonly signer: ActionSigner;
  readonly buttons: ButtonFactory;
  readonly replies: Replies;
  /** Null without a bot token (no dialogs then). */
  readonly client: MattermostClient | null;
  /** The Mattermost server; response_urls elsewhere are ignored. */
  readonly serverUrl: string;
  /** <publicUrl>/mattermost/dialog */
  readonly dialogUrl: string;
  readonly umbrella: string;
  readonly replyBudgetMs: number;
  readonly dialogTtlMs: number;
  /** Reads users' groups; null when no role names a `group:` member (or there is no bot token). */
  readonly groups: MattermostGroups | null;
}

export type CommandAnswer = { readonly status: 200; readonly body: CommandResponse } | { readonly status: 401; readonly body: { readonly error: string } };


interface DialogGaps {
  readonly command: Command;
  readonly given: AnyArgValues;
}

const WORKING: Message = { tone: 'info', blocks: [{ kind: 'text', text: 'Working on it… the answer follows as soon as it is ready.' }], ephemeral: true };

export class MattermostAdapter {
  /** The configured server's origin, parsed once rather than per slash command. */
  private readonly serverOrigin: string;

  constructor(private readonly deps: AdapterDeps) {
    this.serverOrigin = new URL(deps.serverUrl).origin;
  }

  async command(request: SlashRequest): Promise<CommandAnswer> {
    const arrived = performance.now();
    const { deps } = this;
    if (!deps.tokens.verify(request.trigger, request.token)) {
      deps.logger.warn({ trigger: request.trigger, userId: request.userId, channelId: request.channelId, tokenSent: request.token !== null }, 'mattermost: slash command refused: missing or wrong token');
      return { status: 401, body: { error: `missing or invalid token for /${request.trigger}` } };
    }
    const text = request.trigger === deps.umbrella ? request.text : `${request.trigger} ${request.text}`;
    const conversation: Writable<Conversation> = { platform: 'mattermost', id: request.channelId };
    if (request.channelName !== '') conversation.name = request.channelName;
    if (request.rootId !== null) conversation.threadId = request.rootId;
    const usesHooks = deps.replies.usesHooks;
    const person: Principal = { platform: 'mattermost', id: request.userId, name: request.userName || request.userId };
    const audience: Audience = {
      // Without group members in the roles there is nothing to ask, and no await on the way.
      principal: deps.groups === null ? person : await withGroups(deps.groups, person),
      conversation,
      // With a bot token nothing is ever sent to a response_url: not even worth parsing.
      hook: usesHooks ? this.hookOf(request) : null,
    };
    if (usesHooks) await deps.replies.rememberHook(audience);

    // Most commands are typed whole: only a gap in the required arguments costs an await here.
    const form = request.triggerId === null ? null : this.dialogGaps(text);
    if (form !== null && request.triggerId !== null && (await this.openDialog(request.triggerId, form, audience))) {
      return { status: 200, body: { response_type: 'ephemeral', text: 'Fill in the form to run the command.' } };
    }

    const invocation = this.invocation(text, audience);
    const race = dispatchWithinBudget(this.deps, invocation, audience, this.budgetLeft(arrived));
    const settled = race instanceof Promise ? await race : race;
    if (settled.kind === 'working') return { status: 200, body: this.response(WORKING, audience, 'ephemeral') };
    const { outcome } = settled;
    if (outcome.kind === 'job') {
      await deps.replies.jobStarted(audience, outcome.job, outcome.completion);
      return { status: 200, body: this.response(outcome.accepted, audience, 'ephemeral') };
    }
    const type = outcome.status === 'confirm' || outcome.reply.ephemeral === true ? 'ephemeral' : 'in_channel';
    return { status: 200, body: this.response(outcome.reply, audience, type) };
  }

  async action(request: ActionRequest): Promise<ActionResponse> {
    const arrived = performance.now();
    const { deps } = this;
    const now = deps.clock.now();
    const principal: Principal = { platform: 'mattermost', id: request.userId, name: request.userName || request.userId };
    const conversation: Conversation = { platform: 'mattermost', id: request.channelId, ...(request.channelName === '' ? {} : { name: request.channelName }) };
    const verified = deps.signer.verifyButton(request.context);
    if (!verified.ok) return this.refuse(principal, conversation, null, `button refused: ${verified.reason}`, 'is not a valid opsbot button');
    const { grant } = verified;
    if (now.getTime() > grant.expiresAt) return this.refuse(principal, conversation, grant.command, 'button refused: expired', 'has expired');
    if (grant.actors.length > 0 && !grant.actors.includes(request.userId)) {
      return this.refuse(principal, conversation, grant.command, 'button refused: pressed by someone it was not made for', 'is not for you');
    }
    // A signed context lifted from one post must not run its command in another channel.
    if (grant.channel !== null && grant.channel !== request.channelId) {
      return this.refuse(principal, conversation, grant.command, 'button refused: pressed in another channel than it was posted in', 'belongs to another channel');
    }
    // Last, so that a refused press (wrong person) does not burn the button for the right one.
    if (!(await deps.store.nonces.use(grant.nonce, new Date(grant.expiresAt), now))) {
      return this.refuse(principal, conversation, grant.command, 'button refused: already used (replayed)', 'was already used');
    }

    // A press names no thread: the one the button was posted in is in its signed context.
    const here: Conversation = grant.threadId === null ? conversation : { ...conversation, threadId: grant.threadId };
    const presser = deps.groups === null ? principal : await withGroups(deps.groups, principal);
    const audience: Audience = { principal: presser, conversation: here, hook: await deps.replies.lastHook(here, principal) };
    const invocation = this.invocation(grant.command, audience);
    const settled = await dispatchWithinBudget(this.deps, invocation, audience, this.budgetLeft(arrived));
    let answer: Message;
    let tone: Message['tone'] = 'info';
    if (settled.kind === 'working') {
      answer = WORKING;
    } else if (settled.outcome.kind === 'job') {
      await deps.replies.jobStarted(audience, settled.outcome.job, settled.outcome.completion);
      answer = settled.outcome.accepted;
    } else {
      answer = settled.outcome.reply;
      tone = answer.tone;
    }
    const pressed = `@${request.userName || request.userId} pressed **${grant.label}** · ${formatTime(now)}`;
    const colour = TONE_COLOURS[tone];
    return {
      ephemeral_text: renderMarkdown(answer),
      ...(grant.update
        ? {
            update: {
              message: '',
              props: { attachments: [{ fallback: pressed, ...(colour === null ? {} : { color: colour }), ...(grant.note === null ? {} : { title: grant.note }), text: pressed }] },
            },
          }
        : {}),
    };
  }

  async dialog(submission: DialogSubmission): Promise<DialogResponse> {
    const arrived = performance.now();
    const { deps } = this;
    if (submission.cancelled) return {};
    const claimed: Principal = { platform: 'mattermost', id: submission.userId, name: submission.userId };
    const channel: Conversation = { platform: 'mattermost', id: submission.channelId };
    const verified = deps.signer.verifyDialog(submission.state);
    const invalid = 'This form is not valid any more. Run the command again.';
    if (!verified.ok) {
      await this.audit(claimed, channel, null, `dialog refused: ${verified.reason}`);
      return { error: invalid };
    }
    const { grant } = verified;
    if (grant.userId !== submission.userId || grant.channelId !== submission.channelId || deps.clock.now().getTime() > grant.expiresAt) {
      await this.audit(claimed, channel, grant.command, 'dialog refused: another person, another channel, or expired');
      return { error: invalid };
    }
    // The submission names neither the thread nor the person: both come from the signed state.
    const named: Principal = { ...claimed, name: grant.userName ?? claimed.name };
    const principal = deps.groups === null ? named : await withGroups(deps.groups, named);
    const conversation: Conversation = grant.threadId === null ? channel : { ...channel, threadId: grant.threadId };
    const command = deps.registry.find(grant.command);
    if (command === null) return { error: invalid };
    let text: string;
    try {
      text = submissionText(command, submission.submission);
    } catch (error: unknown) {
      return { error: error instanceof Error ? error.message : String(error) };
    }
    const audience: Audience = { principal, conversation, hook: await deps.replies.lastHook(conversation, principal) };
    const invocation = this.invocation(text, audience);
    const settled = await dispatchWithinBudget(this.deps, invocation, audience, this.budgetLeft(arrived));
    if (settled.kind === 'working') return {};
    const { outcome } = settled;
    if (outcome.kind === 'job') {
      await deps.replies.jobStarted(audience, outcome.job, outcome.completion);
      return {};
    }
    // A usage error keeps the form open with the reason, so the person can fix the value.
    if (outcome.status === 'usage') return { error: renderMarkdown(outcome.reply).slice(0, 1000) };
    await deps.replies.later(audience, outcome.reply, invocation.id);
    return {};
  }

  /**
   * What is left of the reply budget since the request arrived: a wait for the user's groups (at
   * most half the budget) comes out of it, so the answer still comes back within the budget.
   */
  private budgetLeft(arrived: number): number {
    return Math.max(100, this.deps.replyBudgetMs - (performance.now() - arrived));
  }

  private invocation(text: string, audience: Audience): Invocation {
    return { id: randomUUID(), text, principal: audience.principal, conversation: audience.conversation, receivedAt: this.deps.clock.now() };
  }

  /** Dispatches; if the answer is not ready within the budget, it is delivered later instead. */
  private response(message: Message, audience: Audience, type: CommandResponse['response_type']): CommandResponse {
    const rendered = renderPost(message, this.deps.buttons.maker({ actors: [audience.principal.id], channel: audience.conversation.id, threadId: audience.conversation.threadId ?? null, note: message.title ?? null, update: true }));
    return {
      response_type: type,
      text: rendered.message,
      ...(rendered.attachments.length === 0 ? {} : { attachments: rendered.attachments }),
    };
  }

  /** Only a response_url on the configured server is used: the bot never posts to arbitrary URLs. */
  private hookOf(request: SlashRequest): MessageRef | null {
    if (request.responseUrl === null) return null;
    if (new URL(request.responseUrl).origin !== this.serverOrigin) {
      this.deps.logger.debug({ trigger: request.trigger }, 'mattermost: response_url is not on the configured server; ignored');
      return null;
    }
    return hookRef(request.channelId, request.responseUrl, this.deps.clock.now());
  }

  /** The command and its missing required arguments, when a dialog could fill them in; else null. */
  private dialogGaps(text: string): DialogGaps | null {
    if (this.deps.client === null) return null;
    let tokens;
    try {
      tokens = tokenize(text.trim().replace(/^\//, ''));
    } catch {
      return null;
    }
    const head = tokens[0];
    const command = head === undefined ? null : this.deps.registry.find(head.value);
    if (command === null) return null;
    const gaps = missingRequired(command, tokens.slice(1));
    return gaps === null ? null : { command, given: gaps.given };
  }

  /** Opens the dialog for those gaps; false (and the text is dispatched as typed) if it cannot. */
  private async openDialog(triggerId: string, form: DialogGaps, audience: Audience): Promise<boolean> {
    const { deps } = this;
    if (deps.client === null) return false;
    const { command } = form;
    const state = deps.signer.signDialog({
      command: command.name,
      userId: audience.principal.id,
      channelId: audience.conversation.id,
      expiresAt: deps.clock.now().getTime() + deps.dialogTtlMs,
      threadId: audience.conversation.threadId ?? null,
      userName: audience.principal.name,
    });
    try {
      await deps.client.openInteractiveDialog({ trigger_id: triggerId, url: deps.dialogUrl, dialog: buildDialog(command, form.given, state) });
      return true;
    } catch (error: unknown) {
      // The typed text is then dispatched as it is and answered with the usage.
      deps.logger.warn({ err: error, command: command.name }, 'mattermost: could not open a dialog');
      return false;
    }
  }

  private async refuse(principal: Principal, conversation: Conversation, command: string | null, detail: string, said: string): Promise<ActionResponse> {
    await this.audit(principal, conversation, command, detail);
    return { ephemeral_text: `That button ${said}. Nothing was done.` };
  }

  private async audit(principal: Principal, conversation: Conversation, command: string | null, detail: string): Promise<void> {
    this.deps.logger.warn({ userId: principal.id, channelId: conversation.id, detail }, 'mattermost: interaction refused');
    await this.deps.store.audit.append({
      at: this.deps.clock.now(),
      event: 'denied',
      principal,
      conversation,
      // The command word only: the rest of a refused button's text is not trusted enough to keep.
      command: command === null ? null : (command.trim().split(/\s+/)[0] ?? null),
      args: null,
      permission: 'mattermost:interaction',
      jobId: null,
      outcome: 'denied',
      detail,
      refs: {},
    });
  }
}
