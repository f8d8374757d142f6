/**
 * The local shell "chat": the same Invocation → dispatch path as Mattermost and Teams, with the
 * terminal as the channel. Used by `opsbot run` (one invocation) and `opsbot shell` (interactive).
 */
import { randomUUID } from 'node:crypto';
import type { Conversation, Invocation, Principal } from '../../core/identity.js';
import type { Clock } from '../../core/clock.js';
import type { Dispatcher, DispatchOutcome } from '../../core/dispatch.js';
import type { JobEvent, JobRunner } from '../../core/jobs/runner.js';
import type { Message } from '../../core/message.js';
import type { Notifier } from '../../core/notify.js';
import { progressBar, renderText, terminalSafe } from './render.js';

export interface ShellIdentity {
  /** Stable id in the `shell` platform: `shell:<id>` in the access config. */
  readonly user: string;
  readonly displayName: string;
  readonly channel: string;
}

export interface ShellDeps {
  readonly dispatcher: Dispatcher;
  readonly runner: JobRunner;
  readonly clock: Clock;
  readonly write: (text: string) => void;
  /** The terminal's width now (it can be resized); undefined when output is not a terminal. */
  readonly columns?: () => number | undefined;
}

/** Exit codes of `opsbot run`: 0 ok, 1 failed, 2 usage error or denied. */
export type ExitCode = 0 | 1 | 2;

export class ShellSession {
  readonly principal: Principal;
  readonly conversation: Conversation;
  /** The job `handle` is waiting for, if any: what Ctrl-C stops. */
  private waitingFor: number | null = null;

  constructor(
    private readonly deps: ShellDeps,
    identity: ShellIdentity,
  ) {
    this.principal = { platform: 'shell', id: identity.user, name: identity.displayName };
    this.conversation = { platform: 'shell', id: identity.channel, name: identity.channel };
  }

  /** Prints out-of-band notices addressed to this terminal's channel. */
  notifier(): Notifier {
    return {
      notify: async (conversation, message) => {
        if (conversation.platform === 'shell' && conversation.id === this.conversation.id) this.print(message);
        return Promise.resolve();
      },
    };
  }

  /** Dispatches one line; for a job, prints progress as it comes and waits for the end. */
  async handle(text: string): Promise<ExitCode> {
    const invocation: Invocation = { id: randomUUID(), text, principal: this.principal, conversation: this.conversation, receivedAt: this.deps.clock.now() };
    const outcome: DispatchOutcome = await this.deps.dispatcher.dispatch(invocation);
    if (outcome.kind === 'reply') {
      this.print(outcome.reply);
      switch (outcome.status) {
        case 'ok':
        case 'confirm':
          return 0;
        case 'usage':
        case 'denied':
          return 2;
        case 'conflict':
        case 'error':
          return 1;
      }
    }
    this.print(outcome.accepted);
    const jobId = outcome.job.id;
    let lastStep = '';
    const stop = this.deps.runner.onEvent((event: JobEvent) => {
      if (event.type !== 'progress' || event.job.id !== jobId || event.job.step === null) return;
      const line = `  #${jobId} ${event.job.progressTotal === null ? '' : `${progressBar(event.job.progressDone ?? 0, event.job.progressTotal)} `}${event.job.step}`;
      if (line !== lastStep) this.deps.write(`${terminalSafe(line)}\n`);
      lastStep = line;
    });
    this.waitingFor = jobId;
    try {
      const { job, reply } = await outcome.completion;
      this.print(reply);
      return job.state === 'succeeded' ? 0 : 1;
    } finally {
      this.waitingFor = null;
      stop();
    }
  }

  /**
   * Ctrl-C: cancels the job this terminal is waiting for, as `cancel <id>` typed by the same person
   * would (checked and audited the same way). False when no job is running, so the caller may quit.
   */
  async interrupt(): Promise<boolean> {
    const jobId = this.waitingFor;
    if (jobId === null) return false;
    this.deps.write('\n');
    const outcome = await this.deps.dispatcher.dispatch({ id: randomUUID(), text: `cancel ${jobId}`, principal: this.principal, conversation: this.conversation, receivedAt: this.deps.clock.now() });
    if (outcome.kind === 'reply') this.print(outcome.reply);
    return true;
  }

  private print(message: Message): void {
    const width = this.deps.columns?.();
    this.deps.write(`${terminalSafe(renderText(message, width === undefined ? {} : { width }))}\n`);
  }
}
