/**
 * One read-only command run inline: its CommandContext. A class with the constant parts on the
 * prototype, rather than object literals and closures, because this runs on every read-only dispatch
 * and its allocations were a large share of it (see `npm run bench`). A command that answers
 * synchronously costs this one object; only a promised answer gets a deadline entry and a promise.
 */
import type { Clock } from './clock.js';
import type { Command, CommandContext } from './command.js';
import type { DeadlineWatcher, Pending } from './deadlines.js';
import { TimeoutError } from './errors.js';
import type { Conversation, Invocation, Principal } from './identity.js';
import type { Logger } from './log.js';
import type { Message } from './message.js';
import type { Ports } from './ports.js';
import type { AnyArgValues } from './args/schema.js';

export class InlineRun implements CommandContext {
  // Made only if asked for: most read-only commands never look, and a signal costs a share of a dispatch.
  private controller: AbortController | null = null;
  private child: Logger | null = null;

  constructor(
    private readonly invocation: Invocation,
    private readonly command: Command,
    private readonly logger: Logger,
    readonly clock: Clock,
    readonly ports: Ports,
  ) {}

  get principal(): Principal {
    return this.invocation.principal;
  }

  get conversation(): Conversation {
    return this.invocation.conversation;
  }

  get invocationId(): string {
    return this.invocation.id;
  }

  /** Read-only commands are not jobs. */
  get jobId(): null {
    return null;
  }

  /** Read-only commands change nothing, so there is nothing to rehearse. */
  get dryRun(): false {
    return false;
  }

  get signal(): AbortSignal {
    return (this.controller ??= new AbortController()).signal;
  }

  log(line: string): void {
    (this.child ??= this.logger.child({ invocationId: this.invocation.id, command: this.command.name })).debug({ line }, 'command output');
  }

  /** Read-only commands have no job to report progress to. */
  progress(): void {}

  /** … nor refs to remember. */
  ref(): void {}

  /** … nor any to keep. */
  keepRefs(): Promise<void> {
    return Promise.resolve();
  }

  /**
   * Runs the command. An answer given synchronously (or a synchronous throw) comes straight back; a
   * promised one is abandoned (and its signal aborted) once `limitMs` have passed.
   */
  run(values: AnyArgValues, limitMs: number, deadlines: DeadlineWatcher): Promise<Message> | Message {
    const running = this.command.runDirect(values, this);
    if (!isThenable(running)) return running;
    return new Promise<Message>((resolve, reject) => {
      const deadline = new InlineDeadline(this.command.name, limitMs, deadlines, resolve, reject, (error) => this.controller?.abort(error));
      deadlines.watch(deadline, limitMs);
      running.then(
        (reply) => deadline.settle(reply),
        (error: unknown) => deadline.fail(error),
      );
    });
  }
}

/** The deadline entry of a promised answer (see DeadlineWatcher.watch). */
class InlineDeadline implements Pending {
  at = 0;

  constructor(
    private readonly commandName: string,
    private readonly limitMs: number,
    private readonly deadlines: DeadlineWatcher,
    private readonly resolve: (reply: Message) => void,
    private readonly reject: (error: Error) => void,
    private readonly abort: (error: Error) => void,
  ) {}

  expire(): void {
    const error = new TimeoutError(`\`${this.commandName}\` did not answer within ${this.limitMs < 1_000 ? `${this.limitMs} ms` : `${Math.round(this.limitMs / 1000)} s`}.`);
    this.abort(error);
    this.reject(error);
  }

  settle(reply: Message): void {
    this.deadlines.unwatch(this);
    this.resolve(reply);
  }

  fail(error: unknown): void {
    this.deadlines.unwatch(this);
    this.reject(error instanceof Error ? error : new Error(String(error)));
  }
}

function isThenable(value: Promise<Message> | Message): value is Promise<Message> {
  return typeof (value as { then?: unknown }).then === 'function';
}
