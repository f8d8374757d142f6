/**
 * `/deploy`, `/rollback`, `/status` and `/run` end to end: the real app (config file, dispatcher, job
 * runner, SQLite store) driving real ansible-playbook (connection local), a real HAProxy in front of
 * two real backends that serve what the playbook wrote, with a client loop that must see no failure.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Cron } from 'croner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HaproxySwitcher } from '../../src/backends/traffic/haproxy.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ACCESS, guest, olga, piotr, startDeployApp, textOf, type DeployApp } from './support/app.js';
import { writePlaybookDir } from './support/playbooks.js';
import { clientLoop, eventually, processGroup, processesMatching, removeDir, startColourBackend, startHaproxy, tempDir, type ColourBackend, type Haproxy } from './support/servers.js';

let dir: string;
let blue: ColourBackend;
let green: ColourBackend;
let haproxy: Haproxy;
let bot: DeployApp;

function versionOf(colour: string): string {
  const file = join(dir, 'app', colour, 'version');
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : 'none';
}

/** Serves what the playbook deployed: `ok <colour> <version>`. */
function serveDeployed(colour: 'blue' | 'green') {
  return (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`ok ${colour} ${versionOf(colour)}`);
  };
}

const live = () => new HaproxySwitcher({ socket: haproxy.socket, backend: 'be', servers: { blue: 'blue', green: 'green' }, idleState: 'maint' }).live(new AbortController().signal);

beforeAll(async () => {
  dir = tempDir('opsbot-e2e-');
  mkdirSync(join(dir, 'playbooks'));
  writePlaybookDir(join(dir, 'playbooks'));
  mkdirSync(join(dir, 'slow', 'blue'), { recursive: true });
  mkdirSync(join(dir, 'slow', 'green'), { recursive: true });
  blue = await startColourBackend('blue', () => '');
  green = await startColourBackend('green', () => '');
  blue.handle = serveDeployed('blue');
  green.handle = serveDeployed('green');
  haproxy = await startHaproxy({ blue: blue.port, green: green.port }, 'blue');
  bot = await startDeployApp(
    dir,
    `
storage: { engine: sqlite, path: ./opsbot.db }
jobs: { heartbeat: 1s, lockTtl: 10s, progressThrottle: 100ms }
${ACCESS}
playbooks:
  catalog: playbooks/test-catalog.yaml
  vars: { app_root: ./app }
  ansible: { killGrace: 2s }
stores:
  shop:
    env: prod
    vars: { serve: false }
    health:
      blue: http://127.0.0.1:${blue.port}/health
      green: http://127.0.0.1:${green.port}/health
      frontend: http://127.0.0.1:${haproxy.port}/
      expectVersion: true
      timeout: 4s
      interval: 200ms
      requestTimeout: 1s
    traffic:
      haproxy: { socket: ${haproxy.socket}, backend: be }
  gated:
    env: prod
    approval: { required: true }
    vars: { serve: false }
    health:
      blue: http://127.0.0.1:${blue.port}/health
      green: http://127.0.0.1:${green.port}/health
      frontend: http://127.0.0.1:${green.port}/
      expectVersion: true
      timeout: 4s
      interval: 200ms
    traffic:
      symlink: { link: ./gated/live, targets: { blue: ./app/blue, green: ./app/green } }
  slow:
    playbook: slow-deploy
    defaultVersion: 0.0.1
    health:
      blue: http://127.0.0.1:${blue.port}/health
      green: http://127.0.0.1:${green.port}/health
      frontend: http://127.0.0.1:${haproxy.port}/
    traffic:
      symlink: { link: ./slow/live, targets: { blue: ./slow/blue, green: ./slow/green } }
`,
  );
});

afterAll(async () => {
  await bot.close();
  await haproxy.stop();
  await blue.close();
  await green.close();
  removeDir(dir);
});

describe('/deploy end to end (real ansible, real HAProxy)', { timeout: 120_000 }, () => {
  it('deploys green, checks it, switches with zero failed requests, verifies and records', async () => {
    let finish!: () => void;
    const bodies: string[] = [];
    const loop = clientLoop(`http://127.0.0.1:${haproxy.port}/`, new Promise<void>((r) => (finish = r)), (b) => bodies.push(b));
    const { job, reply } = await bot.job('deploy shop green --version 2.0.0');
    finish();
    const traffic = await loop;

    expect(job.state).toBe('succeeded');
    expect(reply.title).toBe('Deployed 2.0.0 to shop/green; green is live');
    expect(traffic.failed).toBe(0);
    expect(bodies[0]).toBe('ok blue none');
    expect(bodies.at(-1)).toBe('ok green 2.0.0');
    expect(await live()).toBe('green');
    expect(versionOf('green')).toBe('2.0.0');
    expect(await bot.app.store.deployState.get('shop')).toMatchObject({ live: 'green', previous: 'blue', versions: { green: '2.0.0', blue: null }, jobId: job.id });
    expect(job.refs).toMatchObject({ version: '2.0.0' });
    expect(job.output).toContain('TASK [Release version is recorded]');
    expect(job.output).toContain('localhost: ok=4 changed=4 failed=0 unreachable=0 skipped=2');
    expect(JSON.stringify(reply.blocks)).toContain('"columns":["host","ok","changed","failed","unreachable","skipped"]');
  });

  it('/status shows the live colour, versions, health and no lock', async () => {
    const outcome = await bot.say('status shop');
    expect(outcome.kind === 'reply' && outcome.status).toBe('ok');
    const text = textOf(outcome);
    expect(text).toContain('"shop","prod","green","— healthy","2.0.0 healthy","—","—"');
  });

  it('/rollback switches back to blue after checking it is healthy', async () => {
    const { job, reply } = await bot.job('rollback shop');
    expect(job.state).toBe('succeeded');
    expect(reply.title).toBe('Rolled back shop to blue; blue is live');
    expect(await live()).toBe('blue');
    expect(await bot.app.store.deployState.get('shop')).toMatchObject({ live: 'blue', previous: 'green' });
  });

  it('does not switch when the new colour fails its health checks', async () => {
    green.handle = (_req, res) => {
      res.writeHead(503);
      res.end('starting');
    };
    const { job } = await bot.job('deploy shop green --version 2.1.0');
    green.handle = serveDeployed('green');
    expect(job.state).toBe('failed');
    expect(job.error).toMatch(/^shop\/green did not become healthy \(\d+ attempts, last: HTTP 503\)\. Traffic was not switched; blue stays live\.$/);
    expect(await live()).toBe('blue');
    expect((await bot.app.store.deployState.get('shop'))?.live).toBe('blue');
  });

  it('switches back automatically when the frontend fails after the switch', async () => {
    // Healthy on /health, broken for real traffic.
    green.handle = (req, res) => {
      if (req.url === '/health') serveDeployed('green')(req, res);
      else {
        res.writeHead(500);
        res.end('boom');
      }
    };
    const { job } = await bot.job('deploy shop green --version 2.2.0');
    green.handle = serveDeployed('green');
    expect(job.state).toBe('failed');
    expect(job.error).toMatch(/^Verification through http:\/\/127\.0\.0\.1:\d+\/ failed \(\d+ attempts, last: HTTP 500\)\. Switched traffic back to blue; blue is live again\.$/);
    expect(await live()).toBe('blue');
    expect((await bot.app.store.deployState.get('shop'))?.live).toBe('blue');
  });

  it('--dry-run runs ansible --check and changes nothing', async () => {
    const before = { green: versionOf('green'), state: await bot.app.store.deployState.get('shop') };
    const { job, reply } = await bot.job('deploy shop green --version 3.0.0 --dry-run');
    expect(job.state).toBe('succeeded');
    expect(job.dryRun).toBe(true);
    expect(reply.title).toBe('Dry run: deploy 3.0.0 to shop/green');
    expect(versionOf('green')).toBe(before.green);
    expect(await live()).toBe('blue');
    expect(await bot.app.store.deployState.get('shop')).toEqual(before.state);
  });

  it('refuses to deploy onto the live colour, and --force asks for confirmation', async () => {
    const refused = await bot.job('deploy shop blue --version 2.3.0');
    expect(refused.job.state).toBe('failed');
    expect(refused.job.error).toContain('`blue` is live on `shop`');
    const forced = await bot.say('deploy shop blue --version 2.3.0 --force');
    expect(forced.kind === 'reply' && forced.status).toBe('confirm');
  });
});

describe('locks and cancel', { timeout: 120_000 }, () => {
  it('refuses a concurrent deploy of the same store with the holder, and cancel kills the process tree, frees the lock, ends cancelled', async () => {
    const first = await bot.say('deploy slow green');
    if (first.kind !== 'job') throw new Error(`expected a job, got ${textOf(first)}`);
    expect(await eventually(() => processesMatching('/bin/sleep 89').length > 0, 30_000)).toBe(true);
    const ansible = processesMatching('ansible-playbook').filter((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('slow-deploy.yml'));
    expect(ansible.length).toBeGreaterThan(0);

    const second = await bot.say('deploy slow blue', piotr);
    expect(second.kind === 'reply' && second.status).toBe('conflict');
    expect(textOf(second)).toContain(`\`slow\` is locked by Olga (job #${first.job.id}`);

    const cancel = await bot.say(`cancel ${first.job.id}`);
    expect(cancel.kind === 'reply' ? cancel.status : 'ok').toBe('ok');
    const done = await first.completion;
    expect(done.job.state).toBe('cancelled');
    // The whole tree: ansible-playbook's group and the sleep it started.
    const leader = ansible[0] ?? 0;
    expect(await eventually(() => processGroup(leader).length === 0 && processesMatching('/bin/sleep 89').length === 0, 15_000)).toBe(true);
    expect((await bot.app.store.locks.list(new Date())).map((l) => l.key)).not.toContain('slow');
    expect(readdirSync(join(dir, 'slow'))).not.toContain('live');
  });
});

describe('/run end to end', { timeout: 120_000 }, () => {
  it('runs a catalogued playbook with typed variables', async () => {
    const { job, reply } = await bot.job('run backup label=nightly');
    expect(job.state).toBe('succeeded');
    expect(reply.title).toBe('Playbook backup: ok, 2 changed');
    expect(readdirSync(join(dir, 'app', 'backups')).some((f) => /^nightly-\d{8}T\d{6}Z\.tar\.gz$/.test(f))).toBe(true);
  });

  it('needs the catalog permission of the playbook on top of playbooks:run:<id>', async () => {
    const denied = await bot.job(`run env out=${join(dir, 'env.txt')}`, olga);
    expect(denied.job.state).toBe('failed');
    expect(denied.job.error).toBe('Playbook `env` needs the permission `playbooks:special`, and none of your roles grants it.');
    const allowed = await bot.job(`run env out=${join(dir, 'env.txt')} who=piotr`, piotr);
    expect(allowed.job.state).toBe('succeeded');
    expect(readFileSync(join(dir, 'env.txt'), 'utf8')).toContain('who=piotr');
  });
});

describe('second-person approval end to end', { timeout: 120_000 }, () => {
  it('holds a production switch until someone else with deploy:approve approves it', async () => {
    mkdirSync(join(dir, 'gated'), { recursive: true });
    const started = await bot.say('deploy gated green --version 5.0.0');
    if (started.kind !== 'job') throw new Error(`expected a job, got ${textOf(started)}`);
    let pending = null;
    for (let i = 0; i < 600 && pending === null; i += 1) {
      pending = await bot.app.store.deployState.pendingApproval('gated', new Date());
      if (pending === null) await new Promise((r) => setTimeout(r, 100));
    }
    expect(pending).toMatchObject({ jobId: started.job.id, requester: 'mattermost:u-olga', summary: 'deploy 5.0.0 to gated/green' });
    expect(readdirSync(join(dir, 'gated'))).not.toContain('live');

    // Guest lacks deploy:approve:gated; Olga has it (deploy:*) but asked for the deploy; Piotr approves.
    const viewer = await bot.say('approve gated', guest);
    expect(viewer.kind === 'reply' && viewer.status).toBe('denied');
    expect(textOf(viewer)).toContain('deploy:approve:gated');
    const own = await bot.job('approve gated', olga);
    expect(own.job.state).toBe('failed');
    expect(own.job.error).toBe(`You asked for this deploy (job #${started.job.id}); a different person must approve it.`);
    const approved = await bot.job('approve gated', piotr);
    expect(approved.job.state).toBe('succeeded');

    const done = await started.completion;
    expect(done.job.state).toBe('succeeded');
    expect(done.job.refs).toMatchObject({ approved_by: 'Piotr' });
    expect(readdirSync(join(dir, 'gated'))).toContain('live');
    const audit = await bot.app.store.audit.recent(50);
    expect(audit.some((a) => a.event === 'job_finished' && a.command === 'approve' && a.principal.id === 'u-piotr' && a.outcome === 'succeeded')).toBe(true);
  });

  it('the person who added a schedule cannot approve the deploy it asks for', async () => {
    // Piotr may approve, and add schedules that run as deploy-bot (which may deploy gated): not both for one deploy.
    const added = await bot.job('schedule add sneaky "0 3 * * *" --run "deploy gated green --version 5.1.0 --force" --as deploy-bot', piotr);
    expect(added.job.state).toBe('succeeded');
    const schedule = await bot.app.store.schedules.get('sneaky');
    expect(schedule?.createdByKey).toBe('mattermost:u-piotr');
    const next = schedule === null ? null : new Cron(schedule.cron, { timezone: schedule.timezone, paused: true }).nextRun(schedule.cursorAt);
    if (next === null) throw new Error('the schedule has no next run');
    const fired = await bot.app.scheduler.tick(new Date(next.getTime() + 1_000));
    expect(fired.fired).toHaveLength(1);
    let pending = null;
    for (let i = 0; i < 600 && pending === null; i += 1) {
      pending = await bot.app.store.deployState.pendingApproval('gated', new Date());
      if (pending === null) await new Promise((r) => setTimeout(r, 100));
    }
    expect(pending).toMatchObject({ requester: 'schedule:deploy-bot', onBehalfOf: 'mattermost:u-piotr', summary: 'deploy 5.1.0 in place to gated/green, which is live' });

    const own = await bot.job('approve gated', piotr);
    expect(own.job.state).toBe('failed');
    expect(own.job.error).toBe(`You added the schedule that asked for this deploy (job #${pending?.jobId}); a different person must approve it.`);
    const approved = await bot.job('approve gated', olga);
    expect(approved.job.state).toBe('succeeded');
    // The schedule's run waits for the deploy's job, which waited for the approval.
    await bot.app.scheduler.settled();
    const deployed = await bot.app.store.jobs.get(pending?.jobId ?? 0);
    expect(deployed).toMatchObject({ state: 'succeeded', refs: { approved_by: 'Olga' } });
  });
});
