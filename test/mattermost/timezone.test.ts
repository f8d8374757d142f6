/**
 * `schedule list` from Mattermost shows times in the viewer's own zone, read from their profile
 * through the API (GET /api/v4/users/{user_id}, checked against the OpenAPI file), asked once and
 * then remembered; a profile the server will not give means UTC, never a failed command.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { removeTempDirs } from '../support/app.js';
import { sendCommand, slashFields, slashForm, startHarness, type FakeUser, type Harness } from './support/harness.js';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
  removeTempDirs();
});

const users = new Map<string, FakeUser>([
  ['u-olga', { username: 'olga', timezone: { useAutomaticTimezone: true, automaticTimezone: 'Asia/Tokyo', manualTimezone: '' } }],
  ['u-oscar', { username: 'oscar', timezone: { useAutomaticTimezone: false, automaticTimezone: 'Asia/Tokyo', manualTimezone: 'America/New_York' } }],
]);

async function list(harness: Harness, user: string, extra = ''): Promise<string> {
  const answer = await sendCommand(harness, slashForm(slashFields('ops', `schedule list${extra}`, { user_id: user })));
  expect(answer.status).toBe(200);
  // A titled reply is an attachment (title, table text); all of it is what the viewer reads.
  return JSON.stringify(answer.body);
}

describe('viewer time zone on Mattermost', () => {
  it('lists next runs in the zone of each viewer\'s profile, asking the server once per person', async () => {
    h = await startHarness({ users });
    const added = await h.t.runJob('schedule add nightly "30 1 * * *" --tz Europe/Warsaw --announce "Maintenance at 02:00" --to mattermost:ch-ops');
    expect(added.job.state).toBe('succeeded');

    const olga = await list(h, 'u-olga');
    expect(olga).toContain('times in Asia/Tokyo');
    expect(olga).toMatch(/(08|09):30 (JST|GMT\+9)/); // 01:30 in Warsaw (CEST or CET)
    expect(await list(h, 'u-olga')).toContain('times in Asia/Tokyo');
    expect(h.server?.callsTo('GetUser').map((c) => c.params.user_id)).toEqual(['u-olga']);

    // A manual zone wins over the detected one when automatic is off.
    expect(await list(h, 'u-oscar')).toContain('times in America/New_York');
    // --tz still decides when given.
    expect(await list(h, 'u-oscar', ' --tz Europe/Warsaw')).toContain('times in Europe/Warsaw');
    h.server?.assertClean();
  });

  it('falls back to UTC when the profile cannot be read', async () => {
    h = await startHarness({ users: new Map() });
    await h.t.runJob('schedule add nightly "30 1 * * *" --tz Europe/Warsaw --announce x --to mattermost:ch-ops');
    const text = await list(h, 'u-olga');
    expect(text).toContain('times in UTC');
    expect(h.server?.callsTo('GetUser')).toHaveLength(1);
    h.server?.assertClean();
  });
});
