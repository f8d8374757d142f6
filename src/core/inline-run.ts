/**
 * One read-only command run inline: its CommandContext and its deadline in one object. A class
 * rather than object literals and closures because this runs on every read-only dispatch, and the
 * allocations (a getter pair, a logger closure, resolve/untrack closures) were a large share of it
 * (see `npm run bench`).
 */
import type { Clock } from './clock.js';
import type { Command, CommandContext } from './command.js';
import type { DeadlineWatcher } from './deadlines.js';
import { TimeoutError } from './errors.js';
import type { Conversation, Invocation, Principal } from './identity.js';
import type { Logger } from './log.js';
import type { Message } from './message.js';
import type { Ports } from './ports.js';
import type { AnyArgValues } from './args/schema.js';

/** Read-only commands have no job to report progress or refs to. */
function ignore(): void {}

export class InlineRun implements CommandContext {
  readonly principal: Principal;
  readonly conversation: Conversation;
  readonly invocationId: string;
  readonly jobId = null;
  readonly dryRun = false;
  readonly progress = ignore;
  readonly ref = ignore;
  // Made only if asked for: most read-only commands never look, and a signal costs a share of a dispatch.
  private controller: AbortController | null = null;
  private child: Logger | null = null;

  constructor(
    private readonly invocation: Invocation,
    private readonly command: Command,
    private readonly logger: Logger,
    readonly clock: Clock,
    readonly ports: Ports,
  ) {
    this.principal = invocation.principal;
    this.conversation = invocation.conversation;
    this.invocationId = invocation.id;
  }

  get signal(): AbortSignal {
    return (this.controller ??= new AbortController()).signal;
  }

  log(line: string): void {
    (this.child ??= this.logger.child({ invocationId: this.invocation.id, command: this.command.name })).debug({ line }, 'command output');
  }

  /** Runs the command; a hung one is abandoned (and its signal aborted) once `limitMs` have passed. */
  run(values: AnyArgValues, limitMs: number, deadlines: DeadlineWatcher): Promise<Message> {
    const running = this.command.run(values, this);
    this.limitMs = limitMs;
    this.deadlines = deadlines;
    return new Promise<Message>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
      deadlines.watch(this, limitMs);
      running.then(this.settled, this.failed);
    });
  }

  // The deadline entry (see DeadlineWatcher.watch): this object, so a run allocates no closures for it.
  at = 0;
  private limitMs = 0;
  private deadlines: DeadlineWatcher | null = null;
  private resolve: ((reply: Message) => void) | null = null;
  private reject: ((error: Error) => void) | null = null;

  expire(): void {
    const error = new TimeoutError(`\`${this.command.name}\` did not answer within ${this.limitMs < 1_000 ? `${this.limitMs} ms` : `${Math.round(this.limitMs / 1000)} s`}.`);
    this.controller?.abort(error);
    this.reject?.(error);
  }

  private readonly settled = (reply: Message): void => {
    this.deadlines?.unwatch(this);
    this.resolve?.(reply);
  };

  private readonly failed = (error: unknown): void => {
    this.deadlines?.unwatch(this);
    this.reject?.(error instanceof Error ? error : new Error(String(error)));
  };
}
