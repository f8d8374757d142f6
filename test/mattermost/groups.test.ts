/**
 * Roles may name Mattermost groups (`group:<name>`): a user's groups are read with the bot token
 * (GET /api/v4/users/{user_id}/groups, checked against the OpenAPI file), by the group's unique
 * name, never its display name; deleted groups count for nobody; answers are remembered; a server
 * that cannot say leaves the user with what their own id grants. Configs without group members
 * never ask.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MattermostGroups } from '../../src/adapters/mattermost/groups.js';
import type { AccessConfig } from '../../src/config/types.js';
import { eventually, memoryLogger, removeTempDirs } from '../support/app.js';
import { testCommands } from './support/commands.js';
import { buttonPress, sendCommand, sendJson, slashFields, slashForm, startHarness, type FakeGroup, type Harness } from './support/harness.js';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
  removeTempDirs();
});

const access: AccessConfig = {
  roles: {
    oncall: { members: ['group:oncall'], allow: ['jobs:list', 'test:nuke:*'] },
  },
  everyone: { allow: ['help', 'whoami'] },
  channels: { 'mattermost:ch-ops': { commands: ['*'] } },
  defaultChannel: { commands: ['help', 'whoami'] },
};

const groups = new Map<string, readonly FakeGroup[] | number>([
  ['u-gina', [{ name: 'oncall', display_name: 'On-call', source: 'ldap' }, { name: 'dba' }]],
  // A deleted group of that name, and a group anyone could rename to look like it.
  ['u-dan', [{ name: 'oncall', delete_at: 1_700_000_100_000 }]],
  ['u-lars', [{ name: 'lars-friends', display_name: 'oncall' }]],
  // Groups need a licence: an unlicensed server answers 501.
  ['u-ned', 501],
]);

async function jobsAs(harness: Harness, user: string): Promise<string> {
  const answer = await sendCommand(harness, slashForm(slashFields('ops', 'jobs', { user_id: user })));
  expect(answer.status).toBe(200);
  return JSON.stringify(answer.body);
}

const DENIED = /You need the permission `jobs:list`/;

describe('Mattermost groups as role members', () => {
  it('grants a group member the role, by the group name, once per remembered answer', async () => {
    h = await startHarness({ access, groups });
    const first = await jobsAs(h, 'u-gina');
    expect(first).not.toMatch(DENIED);
    expect(first).toMatch(/No jobs|Jobs/);
    expect(await jobsAs(h, 'u-gina')).not.toMatch(DENIED);
    expect(h.server?.callsTo('GetGroupsByUserId').map((c) => c.params.user_id)).toEqual(['u-gina']);

    const whoami = await sendCommand(h, slashForm(slashFields('ops', 'whoami', { user_id: 'u-gina' })));
    const shown = JSON.stringify(whoami.body);
    expect(shown).toContain('group:oncall, group:dba');
    expect(shown).toMatch(/"Roles","value":"oncall"/);
    h.server?.assertClean();
  });

  it('does not count a deleted group, a display name, or a server that cannot say', async () => {
    h = await startHarness({ access, groups });
    expect(await jobsAs(h, 'u-dan')).toMatch(DENIED);
    expect(await jobsAs(h, 'u-lars')).toMatch(DENIED);
    expect(await jobsAs(h, 'u-ned')).toMatch(DENIED);
    expect(h.t.logs.some((e) => e.level === 'warn' && /could not read the user's groups/.test(e.msg ?? '') && (e.obj as { userId?: string }).userId === 'u-ned')).toBe(true);
    // Nobody's groups were granted by the failure of someone else's.
    expect(await jobsAs(h, 'u-gina')).not.toMatch(DENIED);
    h.server?.assertClean();
  });

  it('counts the groups of whoever presses a button too', async () => {
    h = await startHarness({ access, groups, extraCommands: testCommands });
    const prompt = await sendCommand(h, slashForm(slashFields('mm-nuke', 'web', { user_id: 'u-gina', user_name: 'gina' })));
    const [confirm] = ((prompt.body.attachments ?? []) as { actions?: { name: string; integration: { context: unknown } }[] }[]).flatMap((a) => a.actions ?? []);
    expect(confirm?.name).toBe('Confirm');
    const pressed = await sendJson(h, '/mattermost/action', buttonPress(confirm?.integration.context, { user_id: 'u-gina', user_name: 'gina' }));
    expect(pressed.body.ephemeral_text).toMatch(/^Job #\d+ started: `mm-nuke web`/);
    const harness = h;
    const [job] = await eventually(() => harness.t.store.jobs.list({ limit: 5 }), (j) => j[0]?.state === 'succeeded', 'the confirmed job');
    // The job records the groups its start was allowed by.
    expect(job?.principal).toMatchObject({ id: 'u-gina', groups: ['oncall', 'dba'] });
    h.server?.assertClean();
  });

  it('asks nothing when no role names a group', async () => {
    h = await startHarness({ groups });
    expect(await jobsAs(h, 'u-olga')).not.toMatch(DENIED);
    expect(h.server?.callsTo('GetGroupsByUserId')).toEqual([]);
    h.server?.assertClean();
  });
});

describe('MattermostGroups memory', () => {
  /** A client whose next answer the test sets: names, an error, or a promise it settles itself. */
  function controlled() {
    let next: () => Promise<unknown[]> = () => Promise.resolve([]);
    let asked = 0;
    return {
      client: {
        getGroupsByUserId: (): Promise<never> => {
          asked += 1;
          return next() as Promise<never>;
        },
      },
      answer: (names: readonly string[]) => (next = () => Promise.resolve(names.map((name) => ({ name, delete_at: 0 })))),
      fail: () => (next = () => Promise.reject(new Error('connect ECONNREFUSED'))),
      hold: () => {
        let release!: () => void;
        const held = new Promise<void>((resolve) => (release = resolve));
        next = () => held.then(() => [{ name: 'oncall', delete_at: 0 }]);
        return release;
      },
      asked: () => asked,
    };
  }

  it('lets the last answer stand in while the server cannot answer, for a bounded time only', async () => {
    let now = 0;
    const server = controlled();
    const groups = new MattermostGroups(server.client, memoryLogger(), { ttlMs: 1_000, waitMs: 50, staleMs: 10_000, now: () => now });
    server.answer(['oncall']);
    expect(await groups.of('u1')).toEqual(['oncall']);

    now = 2_000; // past the ttl: asked again, and the server is down
    server.fail();
    expect(await groups.of('u1')).toEqual(['oncall']);
    expect(server.asked()).toBe(2);
    // Left alone for a while after a failure: no request (and no log line) per command.
    now = 2_500;
    expect(await groups.of('u1')).toEqual(['oncall']);
    expect(server.asked()).toBe(2);

    now = 40_000; // the remembered answer is too old to stand in
    expect(await groups.of('u1')).toEqual([]);
    expect(server.asked()).toBe(3);
  });

  it('does not hold a command for a slow server, and uses its answer once it comes', async () => {
    const server = controlled();
    const groups = new MattermostGroups(server.client, memoryLogger(), { ttlMs: 60_000, waitMs: 20 });
    const release = server.hold();
    expect(await groups.of('u1')).toEqual([]);
    // Still the same lookup: a second command does not ask again.
    expect(await groups.of('u1')).toEqual([]);
    expect(server.asked()).toBe(1);
    release();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await groups.of('u1')).toEqual(['oncall']);
    expect(server.asked()).toBe(1);
  });
});
