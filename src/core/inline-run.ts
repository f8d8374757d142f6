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
    return new Promise<Message>((resolve, reject) => {
      const untrack = deadlines.track(limitMs, () => {
        const error = new TimeoutError(`\`${this.command.name}\` did not answer within ${Math.round(limitMs / 1000)} s.`);
        this.controller?.abort(error);
        reject(error);
      });
      running.then(
        (reply) => {
          untrack();
          resolve(reply);
        },
        (error: unknown) => {
          untrack();
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }
}
