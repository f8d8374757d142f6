/**
 * LiveJobPosts on its own, on fake timers (setTimeout, setInterval and Date faked): which posts and
 * edits of a job reach the outbox, and when. The delivery itself is covered by the Mattermost and
 * Teams suites.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FinalPostSource, JobEvent } from '../../src/core/jobs/runner.js';
import type { Message } from '../../src/core/message.js';
import { FIRST_POST_AFTER_MS, LiveJobPosts } from '../../src/core/outbox/live-jobs.js';
import type { OutgoingMessage } from '../../src/core/outbox/outbox.js';
import type { NewOutboxEntry } from '../../src/core/outbox/ports.js';
import type { JobRecord } from '../../src/core/store.js';
import { memoryLogger } from '../support/app.js';

const T0 = Date.UTC(2026, 10, 23, 9, 0, 0);

function job(id: number, patch: Partial<JobRecord> = {}): JobRecord {
  return {
    id,
    command: 'deploy',
    text: `deploy store-${id} 1.4.2`,
    args: { store: `store-${id}`, version: '1.4.2' },
    state: 'running',
    principal: { platform: 'mattermost', id: 'u8k3alice', name: 'Alice' },
    conversation: { platform: 'mattermost', id: 'ch-ops', name: 'ops' },
    lockKey: `store-${id}`,
    dryRun: false,
    owner: 'host/1/x',
    timeoutMs: 1_800_000,
    createdAt: new Date(T0),
    startedAt: new Date(T0),
    finishedAt: null,
    heartbeatAt: new Date(T0),
    step: null,
    progressDone: null,
    progressTotal: null,
    summary: null,
    error: null,
    output: '',
    refs: {},
    ...patch,
  };
}

function finished(id: number): JobRecord {
  return job(id, { state: 'succeeded', finishedAt: new Date(Date.now()), summary: 'done' });
}

/** What reached the outbox, in order: each message's key, title and blocks (as JSON). */
interface Sent {
  readonly key: string | null | undefined;
  readonly title: string | undefined;
  readonly text: string;
}

function rig(options: { firstPostAfterMs?: number; editsPerMinute?: number } = {}) {
  const listeners = new Set<(event: JobEvent) => void>();
  const sent: Sent[] = [];
  const stored: (string | null | undefined)[] = [];
  let source: FinalPostSource | null = null;
  /** What `settled` waits for: an earlier edit of the key still on its way into the store. */
  let inFlight: Promise<void> = Promise.resolve();
  const live = new LiveJobPosts({
    runner: {
      onEvent(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      useFinalPosts(finalPosts) {
        source = finalPosts;
      },
    },
    outbox: {
      enqueue(outgoing: OutgoingMessage) {
        const text = JSON.stringify(outgoing.message.blocks);
        sent.push({ key: outgoing.key, title: outgoing.message.title, text });
        return Promise.resolve({ id: sent.length, coalesced: false });
      },
      entryFor(outgoing: OutgoingMessage): NewOutboxEntry {
        return { conversation: outgoing.conversation, key: outgoing.key ?? null, message: outgoing.message, actors: outgoing.actors ?? null, now: new Date(Date.now()) };
      },
      stored(outgoing) {
        stored.push(outgoing.key);
      },
      settled: () => inFlight,
    },
    clock: { now: () => new Date(Date.now()) },
    logger: memoryLogger(),
    ...(options.firstPostAfterMs === undefined ? {} : { firstPostAfterMs: options.firstPostAfterMs }),
  });
  live.enable('mattermost', { editsPerMinute: options.editsPerMinute ?? 30 });
  const emit = (event: JobEvent): void => {
    for (const listener of listeners) listener(event);
  };
  const reply: Message = { tone: 'success', blocks: [{ kind: 'text', text: 'all good' }] };
  return {
    live,
    sent,
    stored,
    source: () => source,
    reply,
    holdSettled: (until: Promise<void>) => {
      inFlight = until;
    },
    progress: (record: JobRecord) => emit({ type: 'progress', job: record }),
    finish: (record: JobRecord, postQueued = false) => emit({ type: 'finished', job: record, reply, postQueued }),
  };
}

describe('live job posts', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: T0 });
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('gives a job that ends within the wait one post: its final state', () => {
    const { live, sent, finish } = rig();
    live.track(job(1));
    vi.advanceTimersByTime(FIRST_POST_AFTER_MS / 2);
    expect(sent).toEqual([]);
    finish(finished(1));
    vi.advanceTimersByTime(10 * FIRST_POST_AFTER_MS);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.key).toBe('job:1');
    expect(sent[0]?.title).toMatch(/succeeded/);
  });

  it('posts a job still running after the wait, showing its newest step, then ends with the final edit', () => {
    const { live, sent, progress, finish } = rig();
    live.track(job(2));
    progress(job(2, { step: 'building', progressDone: 1, progressTotal: 3 }));
    progress(job(2, { step: 'rolling blue', progressDone: 2, progressTotal: 3 }));
    expect(sent).toEqual([]);
    // The shared sweeper looks every 250 ms, so the post goes out within one sweep of the wait.
    vi.advanceTimersByTime(FIRST_POST_AFTER_MS + 250);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.key).toBe('job:2');
    expect(sent[0]?.title).toMatch(/running/);
    expect(sent[0]?.text).toMatch(/rolling blue/);
    finish(finished(2));
    expect(sent).toHaveLength(2);
    expect(sent[1]?.title).toMatch(/succeeded/);
  });

  it('posts at once when told not to wait', () => {
    const { live, sent } = rig({ firstPostAfterMs: 0 });
    live.track(job(3));
    expect(sent).toHaveLength(1);
    expect(sent[0]?.title).toMatch(/running/);
  });

  it('never sends a throttled progress edit after the final state, however many jobs ended since', () => {
    // One edit a minute: after the first post, a progress edit waits about a minute for its turn.
    const { live, sent, progress, finish } = rig({ firstPostAfterMs: 0, editsPerMinute: 1 });
    live.track(job(4));
    progress(job(4, { step: 'half way' }));
    finish(finished(4));
    // More jobs than the class remembers as finished end meanwhile.
    for (let id = 100; id < 1_200; id += 1) finish(finished(id));
    sent.length = 0;
    vi.advanceTimersByTime(10 * 60_000);
    expect(sent).toEqual([]);
  });

  it('posts nothing for waiting jobs once stopped', () => {
    const { live, sent } = rig();
    live.track(job(5));
    live.stop();
    vi.advanceTimersByTime(10 * FIRST_POST_AFTER_MS);
    expect(sent).toEqual([]);
  });

  describe('the final post, stored with the job’s end', () => {
    it('builds the final post from the finished record, and sends nothing more once it is stored', async () => {
      const { live, sent, stored, source, progress, finish } = rig({ firstPostAfterMs: 0 });
      expect(source()).toBe(live);
      live.track(job(6));
      expect(sent).toHaveLength(1);
      const build = await live.finalPost(job(6), { tone: 'success', blocks: [{ kind: 'text', text: 'all good' }] });
      expect(build).not.toBeNull();
      // The job's work is over: a late progress report queues nothing.
      progress(job(6, { step: 'late' }));
      vi.advanceTimersByTime(10 * 60_000);
      expect(sent).toHaveLength(1);
      const entry = build?.(finished(6));
      expect(entry).toMatchObject({ key: 'job:6', actors: ['u8k3alice'], message: { title: expect.stringMatching(/#6 succeeded/) } });
      expect(JSON.stringify(entry?.message.blocks)).toContain('all good');
      finish(finished(6), true);
      expect(sent).toHaveLength(1);
      expect(stored).toEqual(['job:6']);
    });

    it('waits until the edits already handed to the outbox are stored', async () => {
      const { live, holdSettled } = rig();
      let store!: () => void;
      holdSettled(new Promise<void>((resolve) => (store = resolve)));
      let built = false;
      const asked = live.finalPost(job(7), { tone: 'success', blocks: [] }).then(() => (built = true));
      await vi.advanceTimersByTimeAsync(5_000);
      expect(built).toBe(false);
      store();
      await asked;
      expect(built).toBe(true);
    });

    it('sends the final post after the end when it could not be stored with it', async () => {
      const { live, sent, stored, finish } = rig();
      live.track(job(8));
      await live.finalPost(job(8), { tone: 'success', blocks: [] });
      // The end was written without it (the store failed, and the runner wrote the end on retry).
      finish(finished(8), false);
      expect(stored).toEqual([]);
      expect(sent.map((m) => [m.key, m.title])).toEqual([['job:8', expect.stringMatching(/#8 succeeded/)]]);
    });

    it('has no final post for a platform without live posts', async () => {
      const { live } = rig();
      expect(await live.finalPost(job(9, { conversation: { platform: 'teams', id: '19:x@thread.tacv2' } }), { tone: 'success', blocks: [] })).toBeNull();
    });
  });
});
