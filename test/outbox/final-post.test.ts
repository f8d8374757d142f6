/**
 * A job's final live post is stored in the same transaction as the job's end (JobStore.finishWithPost):
 * once the job is finished in the store, its post is there too, so a crash right after the end can
 * no longer leave the channel without it. Real app, real SQLite store.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { JobEvent } from '../../src/core/jobs/runner.js';
import { lockableServices, removeTempDirs, startTestApp, type TestApp } from '../support/app.js';

const apps: TestApp[] = [];
afterEach(async () => {
  for (const t of apps.splice(0)) await t.close();
});
afterAll(() => removeTempDirs());

describe('final live post of a job', () => {
  it('is in the store as soon as the job’s end is', async () => {
    const t = await startTestApp({ config: lockableServices('web') });
    apps.push(t);
    // Live posts for Mattermost; no delivery is registered, so rows stay in the store to be read.
    t.app.liveJobs.enable('mattermost', { editsPerMinute: 30 });
    const events: JobEvent[] = [];
    t.app.runner.onEvent((event) => events.push(event));

    const { job, completion } = await t.start('lock web maintenance');
    const { job: ended } = await completion;
    // No turn of the event loop has passed since the end was written: the post came with it.
    const pending = await t.store.outbox.due(['mattermost'], new Date(Date.now() + 60_000), 10);
    expect(ended.state).toBe('succeeded');
    expect(pending.map((row) => [row.key, row.message.title])).toEqual([[`job:${job.id}`, `Job #${job.id} succeeded`]]);
    expect(events.at(-1)).toMatchObject({ type: 'finished', postQueued: true });
    // And it is not queued a second time after the end.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await t.store.outbox.count('pending')).toBe(1);
  });
});
