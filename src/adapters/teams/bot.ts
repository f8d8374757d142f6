/**
 * One Teams turn: classify the activity, remember where the conversation is, then answer through the
 * same dispatch as every other platform. Teams waits 15 s for a bot: a reply that is ready sooner is
 * sent in the turn; a slower one gets a "working on it" now and its answer through the outbox later.
 * A job's answer is its live card (posted and then edited in place by the outbox), so the turn ends
 * as soon as the job is accepted. Button clicks dispatch the button's command as the person who
 * clicked, after the signature, expiry, person, conversation and one-time nonce check out.
 */
import { randomUUID } from 'node:crypto';
import type { TurnContext } from 'botbuilder';
import type { Clock } from '../../core/clock.js';
import type { DispatchOutcome, Dispatcher } from '../../core/dispatch.js';
import type { Invocation, Principal } from '../../core/identity.js';
import type { Logger } from '../../core/log.js';
import type { Message } from '../../core/message.js';
import type { OutgoingMessage } from '../../core/outbox/outbox.js';
import type { JobRecord, NewAuditEntry, Store } from '../../core/store.js';
import { buttonSigner, verifyAction, type SigningSettings } from './action-token.js';
import { classifyActivity, type Inbound } from './inbound.js';
import { applyRefChanges } from './refs.js';
import { renderActivity } from './render.js';
import type { WireActivity } from './wire.js';

/** Teams gives up on a bot after 15 s; leave room for the reply's own round trip. */
export const ANSWER_WITHIN_MS = 10_000;

export interface TeamsBotDeps {
  readonly dispatcher: Pick<Dispatcher, 'dispatch'>;
  readonly store: Pick<Store, 'audit' | 'nonces' | 'conversationRefs'>;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Allowed tenant ids, lowercase. */
  readonly tenants: readonly string[];
  readonly signing: SigningSettings;
  /** Posts (and then edits) a job's live card. */
  readonly liveJobs: { track(job: JobRecord): void };
  /** Answers that could not be given in the turn. */
  readonly outbox: { enqueue(outgoing: OutgoingMessage): Promise<unknown> };
  readonly answerWithinMs?: number;
  /** Learns each sender's time zone from their activities. */
  readonly profiles?: { remember(principal: Principal, zone: string | null): void };
}

type Asker = Extract<Inbound, { kind: 'command' | 'click' | 'refused' }>;

const INVOKE_RESPONSE = 'invokeResponse';

function deadline(ms: number): { readonly promise: Promise<null>; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
  });
  return { promise, cancel: () => clearTimeout(timer) };
}

export class TeamsBot {
  constructor(private readonly deps: TeamsBotDeps) {}

  /** CloudAdapter's turn logic. Never throws: a failed turn is logged and the user told where possible. */
  async onTurn(context: TurnContext): Promise<void> {
    const activity = context.activity as unknown as WireActivity;
    const { inbound, refs } = classifyActivity(activity, this.deps.tenants);
    await applyRefChanges(this.deps.store.conversationRefs, refs, this.deps.clock, this.deps.logger);
    const log = this.deps.logger.child({ activityType: activity.type, activityId: activity.id });
    try {
      switch (inbound.kind) {
        case 'ignored':
          log.debug({ reason: inbound.reason }, 'teams: activity ignored');
          if (inbound.invoke) await this.invokeResponse(context, 200, null);
          return;
        case 'membership':
          log.info({ event: inbound.event, conversations: refs.save.map((r) => r.conversationId) }, 'teams: membership change recorded');
          return;
        case 'refused':
          await this.refuseTenant(context, inbound);
          return;
        case 'command':
          await this.answer(context, inbound, inbound.text, false);
          return;
        case 'click':
          await this.click(context, inbound);
          return;
      }
    } catch (error: unknown) {
      log.error({ err: error }, 'teams: turn failed');
    }
  }

  private async refuseTenant(context: TurnContext, who: Extract<Inbound, { kind: 'refused' }>): Promise<void> {
    this.deps.logger.warn({ tenant: who.tenantId, user: who.principal.id }, 'teams: refused an activity from a tenant that is not allowed');
    await this.audit(who, who.reason);
    // Nothing is posted into a tenant opsbot does not serve; an invoke still needs its answer.
    if (who.invoke) await this.invokeResponse(context, 403, 'opsbot is not enabled for this Microsoft 365 tenant.');
  }

  private async click(context: TurnContext, who: Extract<Inbound, { kind: 'click' }>): Promise<void> {
    const now = this.deps.clock.now();
    const check = verifyAction(this.deps.signing.secret, who.token, { actor: who.principal.id, conversationId: who.conversation.id, now: now.getTime() });
    if (!check.ok) return this.refuseClick(context, who, check.reason);
    const fresh = await this.deps.store.nonces.use(check.grant.nonce, new Date(check.grant.expiresAt), now);
    if (!fresh) return this.refuseClick(context, who, 'the button was already used');
    await this.answer(context, who, check.grant.command, who.invoke);
  }

  private async refuseClick(context: TurnContext, who: Extract<Inbound, { kind: 'click' }>, reason: string): Promise<void> {
    this.deps.logger.warn({ user: who.principal.id, conversation: who.conversation.id, reason }, 'teams: refused a button click');
    await this.audit(who, `teams button refused: ${reason}`);
    const text = `That button cannot be used: ${reason}. Type the command instead.`;
    await this.reply(context, who, { tone: 'warning', blocks: [{ kind: 'text', text }], ephemeral: true });
    if (who.invoke) await this.invokeResponse(context, 200, text);
  }

  private async answer(context: TurnContext, who: Asker, text: string, invoke: boolean): Promise<void> {
    this.deps.profiles?.remember(who.principal, who.timeZone);
    const invocation: Invocation = { id: randomUUID(), text, principal: who.principal, conversation: who.conversation, receivedAt: this.deps.clock.now() };
    const pending = this.deps.dispatcher.dispatch(invocation);
    const timer = deadline(this.deps.answerWithinMs ?? ANSWER_WITHIN_MS);
    const outcome = await Promise.race([pending, timer.promise]);
    timer.cancel();
    if (outcome === null) {
      // The typed text is not echoed: it may hold a secret argument that only the dispatcher knows to mask.
      await this.reply(context, who, { tone: 'info', blocks: [{ kind: 'text', text: 'Working on it; the answer follows here.' }] });
      if (invoke) await this.invokeResponse(context, 200, 'Working on it.');
      void pending.then(
        (late) => this.deliverLater(who, late),
        (error: unknown) => this.deps.logger.error({ err: error, invocationId: invocation.id }, 'teams: a slow command failed'),
      );
      return;
    }
    if (outcome.kind === 'job') {
      // The live card is the answer: posted by the outbox now, edited as the job runs and when it ends.
      this.deps.liveJobs.track(outcome.job);
      if (invoke) await this.invokeResponse(context, 200, `Job #${outcome.job.id} started.`);
      return;
    }
    await this.reply(context, who, outcome.reply);
    if (invoke) await this.invokeResponse(context, 200, outcome.status === 'ok' ? 'Done.' : 'See the reply in the conversation.');
  }

  private deliverLater(who: Asker, outcome: DispatchOutcome): void {
    if (outcome.kind === 'job') {
      this.deps.liveJobs.track(outcome.job);
      return;
    }
    this.deps.outbox.enqueue({ conversation: who.conversation, message: outcome.reply, actors: [who.principal.id] }).catch((error: unknown) => {
      this.deps.logger.error({ err: error }, 'teams: could not queue a late answer');
    });
  }

  /** Replies in the turn; if Teams cannot take it right now, the outbox delivers it later. */
  private async reply(context: TurnContext, who: Asker, message: Message): Promise<void> {
    const actors = [who.principal.id];
    const activity = renderActivity(message, buttonSigner(this.deps.signing, who.conversation.id, actors));
    try {
      await context.sendActivity(activity);
    } catch (error: unknown) {
      this.deps.logger.warn({ err: error, conversation: who.conversation.id }, 'teams: could not reply in the turn; queued for the outbox');
      await this.deps.outbox.enqueue({ conversation: who.conversation, message, actors });
    }
  }

  private async invokeResponse(context: TurnContext, status: number, text: string | null): Promise<void> {
    // adaptiveCard/action wants a typed body; a legacy card invoke is content with any 200.
    const body = text === null ? undefined : { statusCode: status, type: 'application/vnd.microsoft.activity.message', value: text };
    await context.sendActivity({ type: INVOKE_RESPONSE, value: { status, ...(body === undefined ? {} : { body }) } });
  }

  private async audit(who: Asker, detail: string): Promise<void> {
    const entry: NewAuditEntry = {
      at: this.deps.clock.now(),
      event: 'denied',
      principal: who.principal,
      conversation: who.conversation,
      command: null,
      args: null,
      permission: null,
      jobId: null,
      outcome: 'denied',
      detail,
      refs: who.tenantId === null ? {} : { tenant: who.tenantId },
    };
    await this.deps.store.audit.append(entry);
  }
}
