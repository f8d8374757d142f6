/**
 * LiveJobPosts on its own, on fake timers (setTimeout, setInterval and Date faked): which posts and
 * edits of a job reach the outbox, and when. The delivery itself is covered by the Mattermost and
 * Teams suites.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { JobEvent } from '../../src/core/jobs/runner.js';
import { FIRST_POST_AFTER_MS, LiveJobPosts } from '../../src/core/outbox/live-jobs.js';
import type { OutgoingMessage } from '../../src/core/outbox/outbox.js';
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
  const live = new LiveJobPosts({
    runner: {
      onEvent(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    },
    outbox: {
      enqueue(outgoing: OutgoingMessage) {
        const text = JSON.stringify(outgoing.message.blocks);
        sent.push({ key: outgoing.key, title: outgoing.message.title, text });
        return Promise.resolve({ id: sent.length, coalesced: false });
      },
    },
    clock: { now: () => new Date(Date.now()) },
    logger: memoryLogger(),
    ...(options.firstPostAfterMs === undefined ? {} : { firstPostAfterMs: options.firstPostAfterMs }),
  });
  live.enable('mattermost', { editsPerMinute: options.editsPerMinute ?? 30 });
  const emit = (event: JobEvent): void => {
    for (const listener of listeners) listener(event);
  };
  return {
    live,
    sent,
    progress: (record: JobRecord) => emit({ type: 'progress', job: record }),
    finish: (record: JobRecord) => emit({ type: 'finished', job: record, reply: { tone: 'success', blocks: [{ kind: 'text', text: 'all good' }] } }),
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
});
