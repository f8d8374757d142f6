/**
 * `/scale` through the whole bot (dispatch → policy → confirmation → job → ScalingPort), with a
 * Kubernetes deployment on the apps/v1 contract as the orchestrator: every request the bot sends to
 * it is validated. (Compose and Swarm run against a real Docker daemon in docker.test.ts.)
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { AccessConfig, ServicesConfig } from '../../src/config/types.js';
import { people, removeTempDirs, startTestApp, tableOf, testAccess, type TestApp } from '../support/app.js';
import { kubeService, scaleReply, startKubeStandIn, type KubeStandIn } from './support.js';

let standIn: KubeStandIn;
let bot: TestApp;

const access: AccessConfig = {
  ...testAccess,
  roles: {
    ...testAccess.roles,
    // Sam may scale `api` by the dispatcher's check, but only in staging.
    staging: { members: ['mattermost:u-sam'], allow: ['scale:api', 'scale:api:staging'] },
  },
};

async function startBot(initial: { desired: number; ready?: number; readyStep?: number }, services?: (url: string) => ServicesConfig): Promise<void> {
  standIn = await startKubeStandIn(initial);
  bot = await startTestApp({ access, config: { services: services?.(standIn.server.url) ?? { api: kubeService(standIn.server.url) } } });
}

afterEach(async () => {
  await bot.close();
  await standIn.server.close();
});
afterAll(() => removeTempDirs());

const writes = (): number => standIn.server.callsTo('replaceAppsV1NamespacedDeploymentScale').length;

describe('/scale', () => {
  it('doubles, waits for the new replicas to be ready and says before → after with the ready count', async () => {
    await startBot({ desired: 3 });
    const done = await bot.runJob('scale api x2');
    expect(done.job.state).toBe('succeeded');
    expect(done.text).toContain('`api` (production) scaled 3 → 6; 6/6 ready.');
    expect(done.job.refs).toEqual({ service: 'api@production', before: '3', after: '6' });
    expect(done.job.progressDone).toBe(6);
    expect(done.job.progressTotal).toBe(6);
    expect(standIn.deployment.desired).toBe(6);
    // It looked until all six were ready (the stand-in readies one per look).
    expect(standIn.server.callsTo('readAppsV1NamespacedDeployment').length).toBeGreaterThanOrEqual(4);
    expect(await bot.store.scaling.last('api', 'production')).toMatchObject({ from: 3, to: 6, by: 'Olga', jobId: done.job.id });
    standIn.server.assertClean();
  });

  it('rounds a factor up and keeps within the maximum, saying both', async () => {
    await startBot({ desired: 5 });
    const done = await bot.runJob('scale api x1.5');
    expect(done.text).toContain('x1.5 of 5 is 7.5, rounded up to 8.');
    expect(done.job.state).toBe('succeeded');
    await bot.close();
    await standIn.server.close();

    await startBot({ desired: 5 });
    const capped = await bot.runJob('scale api +9');
    expect(capped.text).toContain('14 is above the maximum of 8: using 8.');
    expect(standIn.deployment.desired).toBe(8);
  });

  it('refuses a second scaling within the cooldown, naming who scaled and when to retry', async () => {
    await startBot({ desired: 2 });
    expect((await bot.runJob('scale api +1')).job.state).toBe('succeeded');
    const again = await bot.runJob('scale api +1');
    expect(again.job.state).toBe('failed');
    expect(again.text).toMatch(/`api` \(production\) was scaled 2 → 3 by Olga .* ago; the cooldown is 1m, so try again in /);
    expect(writes()).toBe(1);
    // Another environment has its own cooldown.
    expect((await bot.runJob('scale api 2 --env staging')).job.state).toBe('succeeded');
    bot.clock.advance(61_000);
    expect((await bot.runJob('scale api +1')).job.state).toBe('succeeded');
  });

  it.each([
    ['before opsbot reads the scale: refused before writing', false, /api changed meanwhile \(it now wants 4 replicas, not 3\); look again and retry\./],
    ['between opsbot\'s read and its write: the API answers 409', true, /Kubernetes refused updating the scale of production\/api: it changed meanwhile \(409\)/],
  ])('holds no cooldown after a conflict with another writer (%s), so the retry it suggests runs', async (_when, afterRead, refusal) => {
    await startBot({ desired: 3 });
    // An autoscaler (or a person) sets 4 replicas while opsbot scales 3 → 6.
    let autoscaled = false;
    const autoscale = (): void => {
      if (autoscaled) return;
      autoscaled = true;
      standIn.deployment.desired = 4;
      standIn.deployment.resourceVersion += 1;
    };
    standIn.server.on('readAppsV1NamespacedDeploymentScale', (call) => {
      if (!afterRead) autoscale();
      const reply = scaleReply(call.params.name ?? '', call.params.namespace ?? '', standIn.deployment);
      if (afterRead) autoscale();
      return reply;
    });
    const refused = await bot.runJob('scale api x2');
    expect(refused.job.state).toBe('failed');
    expect(refused.text).toMatch(refusal);
    expect(standIn.deployment.desired).toBe(4);
    // Nothing of opsbot's happened: no scaling is recorded, and the retry plans from the 4 it reads.
    expect(await bot.store.scaling.last('api', 'production')).toBeNull();
    const retry = await bot.runJob('scale api +1');
    expect(retry.job.state).toBe('succeeded');
    expect(retry.text).toContain('`api` (production) scaled 4 → 5; 5/5 ready.');
    standIn.server.assertClean();
  });

  it('--dry-run contacts nothing, and says when the cooldown would refuse', async () => {
    await startBot({ desired: 3 });
    const dry = await bot.runJob('scale api x2 --dry-run');
    expect(dry.job.state).toBe('succeeded');
    expect(dry.text).toContain('Would scale `api` (production) on Kubernetes deployment production/api on http://127.0.0.1');
    expect(dry.text).toContain('multiply the current replica count by 2 (rounded up)');
    expect(dry.text).toContain('kept within 0…8');
    expect(dry.text).toContain('Nothing was contacted.');
    expect(standIn.server.calls).toHaveLength(0);
    await bot.runJob('scale api +1');
    const cooling = await bot.runJob('scale api x2 --dry-run');
    expect(cooling.text).toContain('A real run would be refused now');
  });

  it('asks for confirmation before scaling to zero, then does it', async () => {
    await startBot({ desired: 3 });
    const asked = await bot.say('scale api x0');
    expect(asked.status).toBe('confirm');
    expect(writes()).toBe(0);
    const code = /confirm ([A-Z0-9]{6})/.exec(asked.text)?.[1] ?? '';
    const confirmed = await bot.say(`confirm ${code}`);
    expect(confirmed.outcome.kind).toBe('job');
    if (confirmed.outcome.kind !== 'job') throw new Error('not a job');
    const done = await confirmed.outcome.completion;
    expect(done.job.state).toBe('succeeded');
    expect(standIn.deployment.desired).toBe(0);
  });

  it('does not reach zero by a step: it points at the explicit, confirmed form', async () => {
    await startBot({ desired: 2 });
    const done = await bot.runJob('scale api -5');
    expect(done.job.state).toBe('failed');
    expect(done.text).toContain('That would scale `api` (production) to 0. Say `scale api 0` to do that (it asks for confirmation).');
    expect(writes()).toBe(0);
  });

  it.each([
    // Someone scaled past the config's max by hand (an incident): a step up must not remove replicas.
    ['scale api +1', 12, '`api` (production) has 12 replicas, above its maximum of 8 (min and max in the config): +1 would set 8, fewer than it has. Say `scale api 8` to bring it within its bounds.'],
    ['scale api x1.5', 12, '`api` (production) has 12 replicas, above its maximum of 8 (min and max in the config): x1.5 would set 8, fewer than it has. Say `scale api 8` to bring it within its bounds.'],
    ['scale api -1 --env staging', 0, '`api` (staging) has 0 replicas, below its minimum of 1 (min and max in the config): -1 would set 1, more than it has. Say `scale api 1 --env staging` to bring it within its bounds.'],
  ])('refuses `%s` from %i replicas, outside the bounds, where keeping within them would move against the change', async (text, desired, reason) => {
    await startBot({ desired });
    const done = await bot.runJob(text);
    expect(done.job.state).toBe('failed');
    expect(done.text).toContain(reason);
    expect(writes()).toBe(0);
    expect(standIn.deployment.desired).toBe(desired);
    expect(await bot.store.scaling.last('api', text.includes('staging') ? 'staging' : 'production')).toBeNull();
  });

  it('still steps down toward the bounds from outside them, and saying where it stopped', async () => {
    await startBot({ desired: 12 });
    const done = await bot.runJob('scale api -1');
    expect(done.job.state).toBe('succeeded');
    expect(done.text).toContain('11 is above the maximum of 8: using 8.');
    expect(standIn.deployment.desired).toBe(8);
  });

  it.each([
    ['scale api x2', 'x2 of 0 is 0: a factor does not start replicas; say a count (6) or a step (+2).'],
    ['scale api -1', '-1 is below the minimum of 0: using 0.'],
  ])('says `%s` from 0 replicas changes nothing (not that it would scale to 0)', async (text, note) => {
    await startBot({ desired: 0 });
    const done = await bot.runJob(text);
    expect(done.job.state).toBe('succeeded');
    expect(done.text).toContain('`api` (production) already has 0 replicas; nothing to change.');
    expect(done.text).toContain(note);
    expect(done.text).not.toContain('That would scale');
    expect(writes()).toBe(0);
  });

  it('says so when the count is already right, and changes nothing', async () => {
    await startBot({ desired: 4 });
    const done = await bot.runJob('scale api 4');
    expect(done.text).toContain('`api` (production) already has 4 replicas; nothing to change.');
    expect(writes()).toBe(0);
    expect(await bot.store.scaling.last('api', 'production')).toBeNull();
  });

  it('reports a scaling that does not converge, with the ready count', async () => {
    await startBot({ desired: 3, readyStep: 0 }, (url) => ({ api: kubeService(url, { readyTimeout: 300 }) }));
    const done = await bot.runJob('scale api 6');
    expect(done.job.state).toBe('failed');
    expect(done.text).toMatch(/`api` \(production\) did not converge: 3 of 6 replicas ready \(desired 6\) after /);
    expect(standIn.deployment.desired).toBe(6);
    // The change was made, so the cooldown holds.
    expect(await bot.store.scaling.last('api', 'production')).toMatchObject({ from: 3, to: 6 });
  });

  it('says when something else (an autoscaler) set another count while it waited, instead of "the orchestrator keeps trying"', async () => {
    await startBot({ desired: 3 }, (url) => ({ api: kubeService(url, { readyTimeout: 300 }) }));
    standIn.deployment.autoscaledTo = 3;
    const done = await bot.runJob('scale api 6');
    expect(done.job.state).toBe('failed');
    expect(done.text).toMatch(/`api` \(production\) did not converge: something else set 3 replicas after opsbot set 6 \(an autoscaler such as a HorizontalPodAutoscaler, or a person\); 3 ready after .*\. Check Kubernetes deployment production\/api/);
    expect(done.text).not.toContain('keeps trying');
    // opsbot's change did happen (and was undone): the cooldown holds it.
    expect(await bot.store.scaling.last('api', 'production')).toMatchObject({ from: 3, to: 6 });
    expect((await bot.store.scaling.last('api', 'production'))?.pending).toBeUndefined();
    standIn.server.assertClean();
  });

  it('checks the resolved environment\'s permission too', async () => {
    await startBot({ desired: 2 });
    const prod = await bot.runJob('scale api +1', people.sam);
    expect(prod.job.state).toBe('failed');
    expect(prod.text).toContain('Scaling `api` in `production` needs the permission `scale:api:production`');
    expect(writes()).toBe(0);
    expect((await bot.runJob('scale api 2 --env staging', people.sam)).job.state).toBe('succeeded');
    expect((await bot.say('scale api +1', people.vera)).status).toBe('denied');
  });

  it.each([
    ['scale nope x2', /There is no service `nope`\. Known services: api\./],
    ['scale api x2 --env qa', /`api` has no environment `qa` \(it has production, staging\)/],
  ])('refuses `%s` with the usage before any job exists (the command\'s check)', async (text, reason) => {
    await startBot({ desired: 2 });
    const said = await bot.say(text);
    expect(said.status).toBe('usage');
    expect(said.text).toMatch(reason);
    expect(said.text).toContain('Usage: scale <service> <x2|x0.5|+2|-1|6>');
    expect(await bot.store.jobs.list({ limit: 10 })).toEqual([]);
    expect(standIn.server.calls).toHaveLength(0);
  });

  it.each([
    ['scale api 0 --env staging', '`api` (staging) is kept within 1…3 replicas (min and max in the config): 0 is below its minimum of 1.'],
    ['scale api x0 --env staging', '`api` (staging) is kept within 1…3 replicas (min and max in the config): 0 is below its minimum of 1.'],
    ['scale api 9', '`api` (production) is kept within 0…8 replicas (min and max in the config): 9 is above its maximum of 8.'],
    ['scale api 4 --env staging --dry-run', '4 is above its maximum of 3.'],
  ])('refuses `%s`, a count outside min…max, at once: no confirmation, no job, nothing contacted', async (text, reason) => {
    await startBot({ desired: 2 });
    const said = await bot.say(text);
    expect(said.status).toBe('usage');
    expect(said.text).toContain(reason);
    expect(said.text).toContain('Usage: scale <service> <x2|x0.5|+2|-1|6>');
    expect(await bot.store.jobs.list({ limit: 10 })).toEqual([]);
    expect((await bot.store.audit.recent(10)).map((e) => [e.event, e.outcome, e.command, e.permission])).toEqual([['rejected', 'rejected', 'scale', 'scale:api' + (text.includes('--env') ? ':staging' : '')]]);
    expect(bot.dump()).toContain('"confirmations":[]');
    expect(standIn.server.calls).toHaveLength(0);
  });

  it.each(['x', 'x-2', '+', '2.5.1', '1e3', 'x20', '1000', '2.5', 'x0.001', '--', 'x2;id'])('refuses the change %j in the parser, with the usage', async (change) => {
    await startBot({ desired: 2 });
    const said = await bot.say(`scale api '${change}'`);
    expect(said.status).toBe('usage');
    expect(said.text).toContain('Usage: scale <service> <x2|x0.5|+2|-1|6>');
    expect(await bot.store.jobs.list({ limit: 5 })).toEqual([]);
    expect(standIn.server.calls).toHaveLength(0);
  });

  it('shows desired and ready replicas in /status', async () => {
    await startBot({ desired: 5, ready: 3, readyStep: 0 });
    const all = await bot.say('status');
    expect(all.status).toBe('ok');
    const table = tableOf(all.message);
    expect(table.columns).toEqual(['service', 'env', 'runs on', 'desired', 'ready', 'bounds', 'last scaled']);
    expect(table.rows).toEqual([
      ['api', 'production', 'kubernetes', '5', '3/5', '0…8', '—'],
      ['api', 'staging', 'kubernetes', '5', '3/5', '1…3', '—'],
    ]);
    const one = await bot.say('status api');
    expect(one.message.title).toBe('Service api');
    expect(tableOf(one.message).rows.map((r) => r[1])).toEqual(['production', 'staging']);
    // A name that is neither is refused with both kinds of name.
    const unknown = await bot.say('status apj');
    expect(unknown.status).toBe('usage');
    expect(unknown.text).toContain('There is no store or service `apj` (stores: none; services: api). Did you mean `api`?');
  });

  it('reads each environment once for 20 viewers asking `status api` at once (status is inline: no lock, no rate limit)', async () => {
    await startBot({ desired: 5, ready: 3, readyStep: 0 }, (url) => ({ api: kubeService(url, { readyTimeout: 300 }) }));
    const reads = (): number => standIn.server.callsTo('readAppsV1NamespacedDeployment').length;
    const said = await Promise.all(Array.from({ length: 20 }, () => bot.say('status api', people.olga)));
    for (const one of said) expect(tableOf(one.message).rows.map((r) => r[4])).toEqual(['3/5', '3/5']);
    expect(reads()).toBe(2);
    // A scale reads afresh, and so does the next `status` of the environment it changed.
    expect((await bot.runJob('scale api 6')).job.state).toBe('failed');
    const afterScale = reads();
    await bot.say('status api');
    expect(reads()).toBe(afterScale + 1);
  });
});
