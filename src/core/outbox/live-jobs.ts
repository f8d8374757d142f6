/**
 * One live post per job: the runner's progress and finish events become edits of a single keyed
 * message in the outbox (posted on the first event, edited after), for every conversation on a
 * platform that has a delivery. Progress is throttled per job on top of the runner's own throttle,
 * so a chatty job spends at most `editsPerMinute` edits; the final state always goes out, and once it
 * has, no late progress can overwrite it.
 */
import type { Clock } from '../clock.js';
import type { Platform } from '../identity.js';
import type { JobEvent } from '../jobs/runner.js';
import { Throttle } from '../jobs/throttle.js';
import type { Logger } from '../log.js';
import type { Message } from '../message.js';
import type { JobRecord } from '../store.js';
import { jobKey, jobStatusMessage } from './job-status.js';
import type { OutgoingMessage } from './outbox.js';

export interface LiveJobSettings {
  /** Edits of one job's post per minute, at most (the final edit is always sent). */
  readonly editsPerMinute: number;
}

export interface LiveJobDeps {
  readonly runner: { onEvent(listener: (event: JobEvent) => void): () => void };
  readonly outbox: { enqueue(outgoing: OutgoingMessage): Promise<unknown> };
  readonly clock: Clock;
  readonly logger: Logger;
}

interface Tracked {
  readonly throttle: Throttle<JobRecord>;
  readonly actors: readonly string[];
}

/** Finished job ids remembered so a late `track` cannot post a "running" message after the end. */
const FINISHED_MEMORY = 1_000;

export class LiveJobPosts {
  private readonly platforms = new Map<Platform, LiveJobSettings>();
  private readonly tracked = new Map<number, Tracked>();
  private readonly finished = new Set<number>();
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly deps: LiveJobDeps) {}

  /** Jobs in conversations of this platform get a live post from now on. */
  enable(platform: Platform, settings: LiveJobSettings): void {
    this.platforms.set(platform, settings);
    this.unsubscribe ??= this.deps.runner.onEvent((event) => this.onEvent(event));
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.tracked.clear();
  }

  /** The adapter accepted this job: post its live message now rather than at its first progress. */
  track(job: JobRecord): void {
    if (this.finished.has(job.id) || !this.platforms.has(job.conversation.platform)) return;
    this.entry(job)?.throttle.push(job);
  }

  private onEvent(event: JobEvent): void {
    const { job } = event;
    if (!this.platforms.has(job.conversation.platform) || this.finished.has(job.id)) return;
    if (event.type === 'progress') {
      this.entry(job)?.throttle.push(job);
      return;
    }
    const tracked = this.tracked.get(job.id);
    this.tracked.delete(job.id);
    this.finished.add(job.id);
    if (this.finished.size > FINISHED_MEMORY) this.finished.delete(this.finished.values().next().value as number);
    this.send(job, jobStatusMessage(job, this.deps.clock.now(), event.reply), tracked?.actors ?? actorsOf(job));
  }

  private entry(job: JobRecord): Tracked | null {
    const settings = this.platforms.get(job.conversation.platform);
    if (settings === undefined) return null;
    let tracked = this.tracked.get(job.id);
    if (tracked === undefined) {
      const actors = actorsOf(job);
      const interval = Math.ceil(60_000 / Math.max(1, settings.editsPerMinute));
      tracked = {
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
      this.tracked.set(job.id, tracked);
    }
    return tracked;
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
