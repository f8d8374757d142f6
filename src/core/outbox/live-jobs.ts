/**
 * One live post per job: the runner's progress and finish events become edits of a single keyed
 * message in the outbox (posted once the job has run for `firstPostAfterMs`, edited after), for every
 * conversation on a platform that has a delivery. Progress is throttled per job on top of the
 * runner's own throttle, so a chatty job spends at most `editsPerMinute` edits; the final state
 * always goes out, and once it has, no late progress can overwrite it. The final state is written
 * with the job's end, in one transaction (FinalPostSource, JobStore.finishWithPost): a crash between
 * the two would otherwise leave a finished job without its post.
 *
 * Why the first post waits: the person who ran the command already has the "accepted, job #id"
 * answer, and most jobs (a lock, a scale, a dry run) end within a second. Such a job gets one post
 * showing how it ended, instead of a "running" post edited a moment later: half the chat API calls
 * (rate-limited per channel) and half the outbox writes.
 */
import type { Clock } from '../clock.js';
import { DeadlineWatcher, type Pending } from '../deadlines.js';
import type { Platform } from '../identity.js';
import type { FinalPostSource, JobEvent } from '../jobs/runner.js';
import { Throttle } from '../jobs/throttle.js';
import type { Logger } from '../log.js';
import type { Message } from '../message.js';
import type { FinalPost, JobRecord } from '../store.js';
import { jobKey, jobStatusMessage } from './job-status.js';
import type { Outbox } from './outbox.js';

export interface LiveJobSettings {
  /** Edits of one job's post per minute, at most (the final edit is always sent). */
  readonly editsPerMinute: number;
}

export interface LiveJobDeps {
  readonly runner: { onEvent(listener: (event: JobEvent) => void): () => void; useFinalPosts(source: FinalPostSource): void };
  readonly outbox: Pick<Outbox, 'enqueue' | 'entryFor' | 'stored' | 'settled'>;
  readonly clock: Clock;
  readonly logger: Logger;
  /** How long a job runs before its live post goes out (default FIRST_POST_AFTER_MS); 0: at once. */
  readonly firstPostAfterMs?: number;
}

/** A job's state in this class; while `waiting`, it is also the deadline entry of its first post. */
interface Tracked extends Pending {
  readonly throttle: Throttle<JobRecord>;
  readonly actors: readonly string[];
  /** Its first post has not gone out yet: the newest record, sent when the wait is over. */
  waiting: JobRecord | null;
}

/** A job still running after this long gets its "running" post; one that ends sooner, only its final one. */
export const FIRST_POST_AFTER_MS = 1_000;

/** Finished job ids remembered so a late `track` cannot post a "running" message after the end. */
const FINISHED_MEMORY = 1_000;

export class LiveJobPosts implements FinalPostSource {
  private readonly platforms = new Map<Platform, LiveJobSettings>();
  private readonly tracked = new Map<number, Tracked>();
  private readonly finished = new Set<number>();
  /** Jobs whose final post the runner has asked for (finalPost) and whose end it has not told yet. */
  private readonly ending = new Set<number>();
  private unsubscribe: (() => void) | null = null;
  /** One sweeper for every waiting first post, not a timer per job. */
  private readonly firstPosts = new DeadlineWatcher();
  private readonly firstPostAfterMs: number;

  constructor(private readonly deps: LiveJobDeps) {
    this.firstPostAfterMs = deps.firstPostAfterMs ?? FIRST_POST_AFTER_MS;
  }

  /** Jobs in conversations of this platform get a live post from now on. */
  enable(platform: Platform, settings: LiveJobSettings): void {
    this.platforms.set(platform, settings);
    if (this.unsubscribe === null) {
      this.unsubscribe = this.deps.runner.onEvent((event) => this.onEvent(event));
      this.deps.runner.useFinalPosts(this);
    }
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    for (const tracked of this.tracked.values()) this.forget(tracked);
    this.tracked.clear();
  }

  /** The adapter accepted this job: its live post goes out unless it ends first (see FIRST_POST_AFTER_MS). */
  track(job: JobRecord): void {
    if (this.finished.has(job.id) || !this.platforms.has(job.conversation.platform)) return;
    this.show(job);
  }

  /**
   * The job's work is over: from now on none of its edits may be queued, and once the ones already
   * handed to the outbox are stored, its final post can be written with its end (FinalPostSource).
   */
  async finalPost(job: JobRecord, reply: Message): Promise<FinalPost | null> {
    if (!this.platforms.has(job.conversation.platform) || this.finished.has(job.id)) return null;
    const actors = this.end(job.id)?.actors ?? actorsOf(job);
    this.ending.add(job.id);
    const key = jobKey(job.id);
    // An edit still on its way into the store would land after the final post and, coalesced into
    // it, show the job running again.
    await this.deps.outbox.settled(key);
    return (finished) => this.deps.outbox.entryFor({ conversation: finished.conversation, key, message: jobStatusMessage(finished, this.deps.clock.now(), reply), actors });
  }

  private onEvent(event: JobEvent): void {
    const { job } = event;
    if (!this.platforms.has(job.conversation.platform)) return;
    if (event.type === 'progress') {
      if (!this.finished.has(job.id)) this.show(job);
      return;
    }
    const askedForPost = this.ending.delete(job.id);
    if (event.postQueued) {
      this.deps.outbox.stored({ conversation: job.conversation, key: jobKey(job.id) });
      return;
    }
    // Not stored with the end (its end could not be written, or another process had ended it):
    // the final post goes the usual way, after the end.
    if (this.finished.has(job.id) && !askedForPost) return;
    const tracked = this.end(job.id);
    this.send(job, jobStatusMessage(job, this.deps.clock.now(), event.reply), tracked?.actors ?? actorsOf(job));
  }

  /** Marks the job finished and stops its first post and edits; returns what was tracked of it. */
  private end(jobId: number): Tracked | undefined {
    const tracked = this.tracked.get(jobId);
    this.tracked.delete(jobId);
    if (tracked !== undefined) this.forget(tracked);
    this.finished.add(jobId);
    if (this.finished.size > FINISHED_MEMORY) this.finished.delete(this.finished.values().next().value as number);
    return tracked;
  }

  /** The job's newest state: its first post waits out FIRST_POST_AFTER_MS; edits after it are throttled. */
  private show(job: JobRecord): void {
    const known = this.tracked.get(job.id);
    if (known === undefined) {
      const tracked = this.startTracking(job);
      if (tracked === null) return;
      if (this.firstPostAfterMs <= 0) tracked.throttle.push(job);
      else {
        tracked.waiting = job;
        this.firstPosts.watch(tracked, this.firstPostAfterMs);
      }
    } else if (known.waiting !== null) known.waiting = job;
    else known.throttle.push(job);
  }

  /** No post or edit of this job may go out from here any more (it ended, or we stop). */
  private forget(tracked: Tracked): void {
    this.firstPosts.unwatch(tracked);
    tracked.waiting = null;
    tracked.throttle.discard();
  }

  /** A job seen for the first time (see `show`); null if its platform has no live posts. */
  private startTracking(job: JobRecord): Tracked | null {
    const settings = this.platforms.get(job.conversation.platform);
    if (settings === undefined) return null;
    const actors = actorsOf(job);
    const interval = Math.ceil(60_000 / Math.max(1, settings.editsPerMinute));
    const fresh: Tracked = {
      at: 0,
      expire: () => {
        const first = fresh.waiting;
        fresh.waiting = null;
        if (first !== null && this.tracked.get(first.id) === fresh) fresh.throttle.push(first);
      },
      waiting: null,
      actors,
      // One call in reserve for the final edit: post + edits never outrun editsPerMinute over the
      // job's life, even for a job that ends right after a progress edit.
      throttle: new Throttle<JobRecord>(
        interval,
        (latest) => {
          // A trailing progress edit firing after the job finished would overwrite the final state.
          if (this.finished.has(latest.id)) return;
          this.send(latest, jobStatusMessage(latest, this.deps.clock.now()), actors);
        },
        Date.now,
        1,
      ),
    };
    this.tracked.set(job.id, fresh);
    return fresh;
  }

  private send(job: JobRecord, message: Message, actors: readonly string[]): void {
    this.deps.outbox.enqueue({ conversation: job.conversation, key: jobKey(job.id), message, actors }).catch((error: unknown) => {
      this.deps.logger.warn({ err: error, jobId: job.id }, 'could not queue the live post of a job');
    });
  }
}

/** The live post's buttons (Cancel) answer the person who started the job. */
function actorsOf(job: JobRecord): readonly string[] {
  return job.principal.platform === job.conversation.platform ? [job.principal.id] : [];
}
