/**
 * A shutdown in two steps: `drain` stops taking work and lets running jobs finish (the store stays
 * open, so a server can keep answering: /readyz 503, "shutting down" to new commands); `close` then
 * hands the chat what is due (the notices of jobs the shutdown interrupted) and closes the store.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { ChatDelivery } from '../../src/core/chat.js';
import { Gates, removeTempDirs, startTestApp } from '../support/app.js';
import { gatedCommand } from '../support/gated-command.js';

const gates = new Gates();
const wait = gatedCommand(gates, 'wait');

afterAll(() => removeTempDirs());

describe('shutdown', () => {
  it('drain: running jobs finish, new jobs are refused, and the store still answers meanwhile', async () => {
    const t = await startTestApp({ extraCommands: [wait] });
    try {
      const running = await t.start('wait');
      await gates.entered('wait');
      const draining = t.app.drain(60_000);
      const refused = await t.say('wait');
      expect(refused.text).toContain('opsbot is shutting down; try again in a moment.');
      expect((await t.store.jobs.get(running.job.id))?.state).toBe('running');
      expect((await t.say('jobs')).status).toBe('ok');
      gates.open('wait');
      await draining;
      expect((await running.completion).job.state).toBe('succeeded');
    } finally {
      await t.close();
    }
  });

  it('close: a job the shutdown interrupts is told to its channel before the process goes', async () => {
    gates.reset();
    const t = await startTestApp({ extraCommands: [wait] });
    const posted: string[] = [];
    const delivery: ChatDelivery = {
      platform: 'mattermost',
      post: (conversation, message) => {
        posted.push(JSON.stringify(message));
        return Promise.resolve({ platform: 'mattermost', conversationId: conversation.id, messageId: `post-${posted.length}` });
      },
      update: () => Promise.resolve(),
    };
    t.app.outbox.register(delivery);
    t.app.liveJobs.enable('mattermost', { editsPerMinute: 10 });
    const running = await t.start('wait');
    t.app.liveJobs.track(running.job);
    await gates.entered('wait');
    await t.close(0);
    expect((await running.completion).job.state).toBe('interrupted');
    expect(posted.some((p) => p.includes('interrupted'))).toBe(true);
  });
});
