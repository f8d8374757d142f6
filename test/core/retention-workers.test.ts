/** A serving replica prunes on its own: `startWorkers` runs the retention pass, and `close` stops it. */
import { afterEach, expect, it } from 'vitest';
import { defineCommand, msg } from '../../src/core/index.js';
import { eventually, removeTempDirs, startTestApp, testAccess, testConfig, type TestApp } from '../support/app.js';

const DAY = 86_400_000;

const touch = defineCommand({
  name: 'touch',
  summary: 'Test: a job that changes nothing and succeeds.',
  examples: ['touch'],
  args: {},
  permission: () => 'test:touch',
  sideEffect: 'mutates',
  run: () => msg.text('touched', 'success'),
});

let t: TestApp | null = null;

afterEach(async () => {
  await t?.close();
  t = null;
  removeTempDirs();
});

it('deletes a finished job once it is older than retention.jobs, and keeps a younger one', async () => {
  const retention = { ...testConfig({ storagePath: ':memory:' }).retention, jobs: DAY, interval: 60_000 };
  t = await startTestApp({ extraCommands: [touch], config: { retention } });
  const old = (await t.runJob('touch')).job;
  expect(old.state).toBe('succeeded');
  t.clock.advance(2 * DAY);
  const young = (await t.runJob('touch')).job;

  t.app.startWorkers();
  await eventually(() => t?.store.jobs.get(old.id), (job) => job === null, `job #${old.id} pruned`);
  expect((await t.store.jobs.get(young.id))?.state).toBe('succeeded');
  // The pass logs once it has gone through every kind.
  const logged = await eventually(() => t?.logs.find((e) => e.level === 'info' && e.msg === 'retention: deleted data past its retention'), (e) => e !== undefined, 'the pass logged');
  expect(logged?.obj).toMatchObject({ deleted: { jobs: 1 } });
});

it('keeps the reference of a Teams channel the config binds, however long it was silent, and prunes an unnamed one', async () => {
  const retention = { ...testConfig({ storagePath: ':memory:' }).retention, teamsConversations: 30 * DAY, interval: 60_000 };
  const access = { ...testAccess, channels: { ...testAccess.channels, 'teams:19:bound@thread.tacv2': { commands: ['*'] } } };
  t = await startTestApp({ config: { retention, access } });
  const ref = (conversationId: string) => ({
    platform: 'teams' as const,
    conversationId,
    address: { serviceUrl: 'https://smba.example/emea/', botId: '28:bot' },
    groupId: 'team-1',
    name: null,
    updatedAt: new Date(t!.clock.now().getTime() - 40 * DAY),
  });
  await t.store.conversationRefs.save(ref('19:bound@thread.tacv2'));
  await t.store.conversationRefs.save(ref('19:left@thread.tacv2'));

  t.app.startWorkers();
  await eventually(() => t?.store.conversationRefs.get('teams', '19:left@thread.tacv2'), (r) => r === null, 'the unnamed reference pruned');
  expect(await t.store.conversationRefs.get('teams', '19:bound@thread.tacv2')).not.toBeNull();
});
