/**
 * The one path every invocation takes, whatever the platform:
 * tokenize → resolve → parse + validate (typed) → authorize → confirm? → run (inline or as a job) → Reply.
 * Adapters only translate to and from this.
 */
import { performance } from 'node:perf_hooks';
import { parseArgs, type ParsedArgs } from './args/parse.js';
import { usageLine } from './args/usage.js';
import { canonicalText, redactArgs, SecretMask, secretValues } from './args/redact.js';
import { didYouMean } from './args/suggest.js';
import { tokenize, type Token } from './args/tokenize.js';
import type { Clock } from './clock.js';
import type { Command } from './command.js';
import { CONFIRM_CODE, CONFIRM_TTL_MS, confirmCommand, confirmationPrompt, newConfirmationCode } from './confirm.js';
import { DeniedError, LockedError, UsageError, isOpsbotError } from './errors.js';
import { inlineCode } from './format.js';
import { conversationKey, principalKey, type Invocation } from './identity.js';
import type { Logger } from './log.js';
import type { Message } from './message.js';
import type { CommandOutcome, Metrics } from './metrics.js';
import type { AccessPolicy } from './policy/policy.js';
import type { Ports } from './ports.js';
import type { CommandRegistry } from './registry.js';
import { acceptedReply, errorReply } from './replies.js';
import { DeadlineWatcher } from './deadlines.js';
import { InlineRun } from './inline-run.js';
import { describeHolder, redactMessage } from './jobs/texts.js';
import type { JobOutcome, JobRunner } from './jobs/runner.js';
import type { AuditEvent, JobRecord, NewAuditEntry, Store } from './store.js';

export type ReplyStatus = 'ok' | 'usage' | 'denied' | 'conflict' | 'error' | 'confirm';

export type DispatchOutcome =
  | { readonly kind: 'reply'; readonly status: ReplyStatus; readonly reply: Message; readonly command: string | null }
  | { readonly kind: 'job'; readonly job: JobRecord; readonly accepted: Message; readonly completion: Promise<JobOutcome>; readonly command: string };

export interface DispatchOptions {
  /** Set when a confirmation code was redeemed: the destructive command runs without asking again. */
  readonly confirmed?: boolean;
}

export interface DispatcherDeps {
  readonly registry: CommandRegistry;
  readonly policy: AccessPolicy;
  readonly runner: JobRunner;
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: Metrics;
  ports(): Ports;
  /** Timeout for read-only commands that declare none. */
  readonly inlineTimeoutMs: number;
  /** Values the config took from ${VAR}: masked in every answer, as jobs mask them in their output. */
  readonly configSecrets?: readonly string[];
}

export class Dispatcher {
  private readonly deadlines = new DeadlineWatcher();
  private readonly mask: SecretMask;

  constructor(private readonly deps: DispatcherDeps) {
    this.mask = new SecretMask(deps.configSecrets ?? []);
  }

  /**
   * An answer that is not a job's, masked like a job's output: a status line may quote a configured
   * URL whose query carries a token, an error may quote what a server said about its credentials.
   */
  private masked(reply: Message): Message {
    return this.mask.empty ? reply : redactMessage(reply, this.mask.text);
  }

  dispatch(invocation: Invocation, options: DispatchOptions = {}): Promise<DispatchOutcome> {
    const outcome = this.dispatchNow(invocation, options);
    return outcome instanceof Promise ? outcome : Promise.resolve(outcome);
  }

  /**
   * Like dispatch, but an outcome that is ready at once (a read-only command that answers
   * synchronously, or any refusal before the first await) comes back as a value: adapters on a hot
   * path (a slash command's HTTP answer) then skip a promise and its microtask hops.
   */
  dispatchNow(invocation: Invocation, options: DispatchOptions = {}): DispatchOutcome | Promise<DispatchOutcome> {
    const started = performance.now();
    let commandName: string | null = null;
    try {
      // A leading slash (`/deploy …` typed into a plain message) is not part of the command name.
      const typed = invocation.text.trimStart();
      const tokens = tokenize(typed.charCodeAt(0) === SLASH ? typed.slice(1) : typed);
      const head = tokens[0];
      if (head === undefined) throw new UsageError('Type a command, for example `help`.');
      const command = this.deps.registry.find(head.value);
      if (command === null) {
        const name = head.value.toLowerCase();
        const suggestion = this.deps.registry.suggest(name);
        // Whatever was typed is quoted back, but not at any length: a pasted page is not a command name.
        const shown = name.length > 40 ? `${name.slice(0, 39)}…` : name;
        throw new UsageError(`Unknown command ${inlineCode(shown)}.${suggestion === null ? '' : didYouMean(name, [suggestion])}`, { hint: 'Type `help` to list the commands.' });
      }
      commandName = command.name;
      // The redeemed command is counted by its own dispatch; `confirm` only when it fails.
      if (command === confirmCommand) return this.settle(this.redeem(invocation, tokens.slice(1)), invocation, commandName, started, false);
      const pending = this.run(invocation, command, tokens.slice(1), options.confirmed === true);
      if (pending instanceof Promise) return this.settle(pending, invocation, commandName, started, true);
      this.count(commandName, pending.kind === 'job' ? 'accepted' : pending.status, started);
      return pending;
    } catch (error: unknown) {
      return this.failed(error, invocation, commandName, started);
    }
  }

  private async settle(pending: Promise<DispatchOutcome>, invocation: Invocation, commandName: string, started: number, countSuccess: boolean): Promise<DispatchOutcome> {
    try {
      const outcome = await pending;
      if (countSuccess) this.count(commandName, outcome.kind === 'job' ? 'accepted' : outcome.status, started);
      return outcome;
    } catch (error: unknown) {
      return this.failed(error, invocation, commandName, started);
    }
  }

  /** Every failure becomes a reply (one sentence plus usage, or "failed unexpectedly"), never a throw. */
  private failed(error: unknown, invocation: Invocation, commandName: string | null, started: number): DispatchOutcome {
    const status = statusOf(error);
    // A server that cannot be reached or a timeout is an answer, told in chat in one sentence; only
    // what opsbot did not expect is logged as an error, with its stack.
    if (status === 'error' && isOpsbotError(error)) this.deps.logger.warn({ invocationId: invocation.id, command: commandName, reason: error.message }, 'command failed');
    else if (status === 'error') this.deps.logger.error({ err: error, invocationId: invocation.id, command: commandName }, 'command failed unexpectedly');
    this.count(commandName ?? 'unknown', status, started);
    return { kind: 'reply', status, reply: this.masked(errorReply(error, invocation.id)), command: commandName };
  }

  /** The synchronous part: parse, authorize, and an unchecked read-only command's inline run. */
  private run(invocation: Invocation, command: Command, argTokens: readonly Token[], confirmed: boolean): DispatchOutcome | Promise<DispatchOutcome> {
    let parsed;
    try {
      parsed = parseArgs(command, argTokens);
    } catch (error: unknown) {
      if (command.mayMutate) return this.refuse(this.audit(invocation, 'rejected', command.name, null, null, error), error);
      throw error;
    }
    const { values } = parsed;
    const permission = command.permission(values);
    try {
      this.deps.policy.authorize(invocation.principal, invocation.conversation, command.name, permission);
    } catch (error: unknown) {
      if (error instanceof DeniedError) return this.refuse(this.audit(invocation, 'denied', command.name, redactArgs(command.args, values), error.permission, error, parsed.dryRun), error);
      throw error;
    }
    if (command.check !== undefined || command.mayMutate) return this.proceed(invocation, command, parsed, permission, confirmed);
    const reply = this.runInline(invocation, command, values);
    return reply instanceof Promise
      ? reply.then((answered) => inlineOutcome(command, this.masked(answered)), (error: unknown) => this.refusedInline(invocation, command, values, error))
      : inlineOutcome(command, this.masked(reply));
  }

  /**
   * A command may refuse from inside its run, where the answer depends on a record (`cancel` of
   * someone else's job): audited like a refusal at dispatch. Other failures are just answered.
   */
  private async refusedInline(invocation: Invocation, command: Command, values: Parameters<Command['run']>[0], error: unknown): Promise<never> {
    if (error instanceof DeniedError) await this.deps.store.audit.append(this.audit(invocation, 'denied', command.name, redactArgs(command.args, values), error.permission, error));
    throw error;
  }

  /** Records a refusal in the audit, then refuses. */
  private async refuse(entry: NewAuditEntry, error: unknown): Promise<never> {
    await this.deps.store.audit.append(entry);
    throw error;
  }

  /** The asynchronous part: the command's check, then confirmation, a job, or an inline run. */
  private async proceed(invocation: Invocation, command: Command, parsed: ParsedArgs, permission: string, confirmed: boolean): Promise<DispatchOutcome> {
    const { store, clock } = this.deps;
    const { values } = parsed;
    if (command.check !== undefined) {
      try {
        await command.check(values, this.deps.ports(), { principal: invocation.principal, conversation: invocation.conversation, dryRun: parsed.dryRun });
      } catch (caught: unknown) {
        // A permission the check found missing (one only a record names) is a denial like the one above.
        if (caught instanceof DeniedError) return this.refuse(this.audit(invocation, 'denied', command.name, redactArgs(command.args, values), caught.permission, caught, parsed.dryRun), caught);
        // A lock the check found held (one only the config ties to the command: a deploy's build
        // pipeline) is a conflict, audited as when the runner refuses a job its own lock.
        if (caught instanceof LockedError && command.mayMutate) {
          const entry = this.audit(invocation, 'conflict', command.name, redactArgs(command.args, values), permission, null, parsed.dryRun);
          return this.refuse({ ...entry, detail: `locked: ${describeHolder(caught.holder)}` }, caught);
        }
        // Like a parser error, a check's usage error shows the command's usage.
        const error = caught instanceof UsageError && caught.hint === undefined ? new UsageError(caught.message, { cause: caught, hint: `Usage: ${usageLine(command)}` }) : caught;
        if (command.mayMutate && isOpsbotError(error)) await store.audit.append(this.audit(invocation, 'rejected', command.name, redactArgs(command.args, values), permission, error, parsed.dryRun));
        throw error;
      }
    }

    const sideEffect = command.sideEffect(values);
    if (sideEffect === 'none') {
      const answered = await Promise.resolve(this.runInline(invocation, command, values)).catch((error: unknown) => this.refusedInline(invocation, command, values, error));
      return inlineOutcome(command, this.masked(answered));
    }

    // Only what leaves a record needs the redacted forms: confirmations, jobs, their audit.
    const redacted = redactArgs(command.args, values);
    const text = canonicalText(command.name, command.args, values, { dryRun: parsed.dryRun });
    if (sideEffect === 'destructive' && !parsed.dryRun && !confirmed) {
      const code = newConfirmationCode();
      // The raw text is kept (not the redacted one) because it is dispatched again once confirmed;
      // the row is deleted on use and expires in five minutes.
      await store.confirmations.create({
        code,
        principalKey: principalKey(invocation.principal),
        conversationKey: conversationKey(invocation.conversation),
        text: invocation.text,
        expiresAt: new Date(clock.now().getTime() + CONFIRM_TTL_MS),
      });
      await store.audit.append(this.audit(invocation, 'confirm_requested', command.name, redacted, permission, null, parsed.dryRun));
      return { kind: 'reply', status: 'confirm', reply: confirmationPrompt(text, code), command: command.name };
    }

    if (confirmed) await store.audit.append(this.audit(invocation, 'confirmed', command.name, redacted, permission, null, parsed.dryRun));
    const started = await this.deps.runner.start({
      command,
      values,
      text,
      redactedArgs: redacted,
      permission,
      principal: invocation.principal,
      conversation: invocation.conversation,
      invocationId: invocation.id,
      dryRun: parsed.dryRun,
      queue: parsed.queue,
      secrets: secretValues(command.args, values),
    });
    return { kind: 'job', job: started.job, accepted: acceptedReply(started.job), completion: started.completion, command: command.name };
  }

  private runInline(invocation: Invocation, command: Command, values: Parameters<Command['run']>[0]): Promise<Message> | Message {
    const inline = new InlineRun(invocation, command, this.deps.logger, this.deps.clock, this.deps.ports());
    return inline.run(values, command.timeout ?? this.deps.inlineTimeoutMs, this.deadlines);
  }

  /** `confirm <code>`: one-time, same person, same conversation, not expired; then dispatched again. */
  private async redeem(invocation: Invocation, argTokens: readonly Token[]): Promise<DispatchOutcome> {
    const code = argTokens[0]?.value ?? '';
    if (argTokens.length !== 1 || !CONFIRM_CODE.test(code)) {
      throw new UsageError('Give the six-character code from the confirmation prompt.', { hint: 'Usage: confirm <code>' });
    }
    const pending = await this.deps.store.confirmations.consume(
      code.toUpperCase(),
      principalKey(invocation.principal),
      conversationKey(invocation.conversation),
      this.deps.clock.now(),
    );
    if (pending === null) {
      const refused = new DeniedError('That confirmation is unknown, expired, already used, or was asked for by someone else or in another channel.', 'confirm');
      await this.deps.store.audit.append(this.audit(invocation, 'denied', 'confirm', { code: code.toUpperCase() }, 'confirm', refused));
      throw refused;
    }
    return this.dispatch({ ...invocation, text: pending.text }, { confirmed: true });
  }

  private audit(
    invocation: Invocation,
    event: AuditEvent,
    command: string | null,
    args: Readonly<Record<string, unknown>> | null,
    permission: string | null,
    error: unknown,
    dryRun = false,
  ): NewAuditEntry {
    return {
      at: this.deps.clock.now(),
      event,
      principal: invocation.principal,
      conversation: invocation.conversation,
      command,
      args,
      permission,
      jobId: null,
      outcome: event === 'denied' ? 'denied' : event === 'rejected' ? 'rejected' : null,
      detail: error instanceof Error ? this.mask.text(error.message) : null,
      refs: {},
      dryRun,
    };
  }

  private count(command: string, outcome: CommandOutcome, started: number): void {
    this.deps.metrics.commandHandled(command, outcome, (performance.now() - started) / 1000);
  }
}

const SLASH = 0x2f;

function inlineOutcome(command: Command, reply: Message): DispatchOutcome {
  return { kind: 'reply', status: 'ok', reply, command: command.name };
}

function statusOf(error: unknown): ReplyStatus {
  if (!isOpsbotError(error)) return 'error';
  switch (error.code) {
    case 'usage':
    case 'not_found':
      return 'usage';
    case 'denied':
      return 'denied';
    case 'conflict':
      return 'conflict';
    case 'backend':
    case 'timeout':
    case 'cancelled':
      return 'error';
  }
}
