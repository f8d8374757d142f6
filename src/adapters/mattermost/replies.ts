/**
 * Where the answers of one invocation go after the HTTP response: with a bot token, through the
 * outbox as posts (and the job's live post); without one, through the slash command's response_url
 * (kept as a ref, so the outbox can post to it later), spending at most two of its five uses on a
 * job: one mid-way if it runs long, one for the final state.
 */
import type { MessageRef } from '../../core/chat.js';
import type { Clock } from '../../core/clock.js';
import type { Conversation, Principal } from '../../core/identity.js';
import type { JobOutcome } from '../../core/jobs/runner.js';
import type { Logger } from '../../core/log.js';
import type { Message } from '../../core/message.js';
import { jobKey, jobStatusMessage } from '../../core/outbox/job-status.js';
import type { LiveJobPosts } from '../../core/outbox/live-jobs.js';
import type { Outbox } from '../../core/outbox/outbox.js';
import { FINAL_JOB_STATES, type JobRecord, type Store } from '../../core/store.js';
import { RESPONSE_URL_TTL_MS } from './delivery.js';

export interface RepliesDeps {
  readonly store: Pick<Store, 'messageRefs' | 'jobs'>;
  readonly outbox: Pick<Outbox, 'enqueue'>;
  readonly liveJobs: Pick<LiveJobPosts, 'track'>;
  readonly clock: Clock;
  readonly logger: Logger;
  /** True with a bot token: posts and live posts; false: response_url only. */
  readonly botMode: boolean;
  /** A job still running after this long gets one mid-way update through its response_url. */
  readonly midwayAfterMs: number;
}

/** The latest response_url of a person in a channel, for answers to their button clicks and dialogs. */
export function hookKey(channelId: string, userId: string): string {
  return `mattermost-hook:${channelId}:${userId}`;
}

export interface Audience {
  readonly principal: Principal;
  readonly conversation: Conversation;
  /** The invocation's response_url as a ref, or null. */
  readonly hook: MessageRef | null;
}

export class Replies {
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly deps: RepliesDeps) {}

  /** Without a bot token, later answers go to response_urls; with one, they are never needed. */
  get usesHooks(): boolean {
    return !this.deps.botMode;
  }

  /** Remembers the response_url of this person here (no bot token: later answers need it). */
  async rememberHook(audience: Audience): Promise<void> {
    if (this.deps.botMode || audience.hook === null) return;
    await this.deps.store.messageRefs.put(hookKey(audience.conversation.id, audience.principal.id), audience.hook, this.deps.clock.now());
  }

  /** The response_url this person last gave in this channel, if it can still be used. */
  async lastHook(conversation: Conversation, principal: Principal): Promise<MessageRef | null> {
    if (this.deps.botMode) return null;
    const ref = await this.deps.store.messageRefs.get(hookKey(conversation.id, principal.id));
    const issued = Number(ref?.extra?.issuedAt ?? '0');
    return ref !== null && this.deps.clock.now().getTime() - issued < RESPONSE_URL_TTL_MS ? ref : null;
  }

  /** A reply that was not ready within the HTTP answer, or that has no HTTP answer (a dialog). */
  async later(audience: Audience, message: Message, invocationId: string): Promise<void> {
    if (this.deps.botMode) {
      await this.deps.outbox.enqueue({ conversation: audience.conversation, message, actors: [audience.principal.id] });
      return;
    }
    if (audience.hook === null) {
      this.deps.logger.warn({ invocationId, conversation: audience.conversation }, 'no bot token and no response_url: a reply could not be sent');
      return;
    }
    const key = `mattermost-reply:${invocationId}`;
    await this.deps.store.messageRefs.put(key, audience.hook, this.deps.clock.now());
    await this.deps.outbox.enqueue({ conversation: audience.conversation, key, message, actors: [audience.principal.id] });
  }

  /** A job was accepted: its live post (bot), or its response_url updates. */
  async jobStarted(audience: Audience, job: JobRecord, completion: Promise<JobOutcome>): Promise<void> {
    if (this.deps.botMode) {
      this.deps.liveJobs.track(job);
      return;
    }
    if (audience.hook === null) {
      this.deps.logger.warn({ jobId: job.id, conversation: audience.conversation }, 'no bot token and no response_url: the job result will only be in `job <id>`');
      return;
    }
    const key = jobKey(job.id);
    // The ref exists before anything is queued under the key, so the outbox finds the URL to post to.
    await this.deps.store.messageRefs.put(key, audience.hook, this.deps.clock.now());
    const send = (message: Message): Promise<unknown> => this.deps.outbox.enqueue({ conversation: audience.conversation, key, message, actors: [audience.principal.id] });
    const midway = setTimeout(() => {
      this.timers.delete(midway);
      this.deps.store.jobs
        .get(job.id)
        .then((current) => (current === null || FINAL_JOB_STATES.includes(current.state) ? undefined : send(jobStatusMessage(current, this.deps.clock.now()))))
        .catch((error: unknown) => this.deps.logger.warn({ err: error, jobId: job.id }, 'could not send the mid-way update of a job'));
    }, this.deps.midwayAfterMs);
    midway.unref();
    this.timers.add(midway);
    void completion
      .then(({ job: finished, reply }) => {
        clearTimeout(midway);
        this.timers.delete(midway);
        return send(jobStatusMessage(finished, this.deps.clock.now(), reply));
      })
      .catch((error: unknown) => this.deps.logger.warn({ err: error, jobId: job.id }, 'could not queue the result of a job'));
  }

  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
