/**
 * A freeze of a store's build pipeline (`lock pipeline.<name>`) holds `deploy` of that store, as it
 * holds `pipeline run`: refused before any job (audited as the same `conflict`), and again inside a
 * job that got past the check (queued behind its store). A dry run builds nothing and is not held;
 * a `pipeline run` job merely running the pipeline does not hold a deploy either. The real app (config
 * file, dispatcher, runner, SQLite store); the deploy ports that would reach a server are fakes.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DeployPorts } from '../../src/core/deploy/ports.js';
import type { DispatchOutcome } from '../../src/core/dispatch.js';
import type { AuditEntry } from '../../src/core/store.js';
import { olga, ops, piotr, startDeployApp, textOf, type DeployApp } from './support/app.js';
import { writePlaybookDir } from './support/playbooks.js';
import { removeDir, tempDir } from './support/servers.js';

let dir: string;
let bot: DeployApp;
const calls: string[] = [];

/** Nothing reaches a balancer, ansible, a health URL or Jenkins: calls are noted; builds and health checks fail. */
function fake(ports: DeployPorts): DeployPorts {
  return {
    ...ports,
    traffic: {
      live: () => Promise.resolve(null),
      switchTo: () => Promise.reject(new Error('not in this test')),
    },
    playbooks: {
      ...ports.playbooks,
      catalog: () => ports.playbooks.catalog(),
      get: (id) => ports.playbooks.get(id),
      inventory: (id) => ports.playbooks.inventory(id),
      run: (r) => {
        calls.push(`playbooks.run${r.check ? ' --check' : ''}`);
        return Promise.resolve({ ok: true, exitCode: 0, recap: [], failures: [], tasks: 0, check: r.check });
      },
    },
    health: {
      ...ports.health,
      waitHealthy: () => {
        calls.push('health.waitHealthy');
        return Promise.resolve({ healthy: false, attempts: 1, detail: 'fake' });
      },
    },
    build: {
      run: (pipeline) => {
        calls.push(`build.run ${pipeline}`);
        return Promise.resolve({ ok: false, runId: `${pipeline}#1`, url: null, version: null, detail: 'FAILURE (fake)' });
      },
    },
  };
}

beforeAll(async () => {
  dir = tempDir('opsbot-build-freeze-');
  mkdirSync(join(dir, 'playbooks'));
  writePlaybookDir(join(dir, 'playbooks'));
  bot = await startDeployApp(
    dir,
    `
storage: { engine: sqlite, path: ./opsbot.db }
jobs: { heartbeat: 200ms, lockTtl: 10s, progressThrottle: 100ms }
access:
  roles:
    deployer:
      members: [mattermost:u-olga, mattermost:u-piotr]
      allow: ["deploy:*", "status:*", "jobs:*", "locks:*", "pipeline:*"]
  channels:
    "mattermost:ops": { commands: ["*"] }
playbooks:
  catalog: playbooks/test-catalog.yaml
pipelines:
  build:
    jenkins: { url: "http://127.0.0.1:9/", job: shop, user: opsbot, token: t }
    variables: { VERSION: { type: string } }
stores:
  shop:
    build: { pipeline: build }
    health: { blue: "http://127.0.0.1:9/health", green: "http://127.0.0.1:9/health", frontend: "http://127.0.0.1:9/" }
    traffic: { haproxy: { socket: ./nowhere.sock, backend: be } }
  plain:
    health: { blue: "http://127.0.0.1:9/health", green: "http://127.0.0.1:9/health", frontend: "http://127.0.0.1:9/" }
    traffic: { haproxy: { socket: ./nowhere.sock, backend: be } }
`,
    { wrap: fake },
  );
});

afterAll(async () => {
  await bot.close();
  removeDir(dir);
});

beforeEach(async () => {
  calls.length = 0;
  for (const lock of await bot.app.store.locks.list(new Date())) {
    if (lock.jobId === null) await release(lock.key);
  }
});

/** Lifts a freeze as `unlock` does, without its confirmation round. */
async function release(key: string): Promise<void> {
  const now = new Date();
  await bot.app.store.locks.release(key, { at: now, event: 'unlock', principal: olga, conversation: ops, command: 'unlock', args: { target: key }, permission: null, jobId: null, outcome: null, detail: null, refs: {} });
}

function replyText(outcome: DispatchOutcome): string {
  return outcome.kind === 'reply' ? outcome.reply.blocks.map((b) => ('text' in b ? b.text : '')).join('\n') : '';
}

async function lastAudit(): Promise<AuditEntry> {
  const [entry] = await bot.app.store.audit.recent(1);
  if (entry === undefined) throw new Error('no audit entry');
  return entry;
}

const FROZEN = /^`pipeline\.build` is locked by Olga \(a freeze: "release freeze", since [^)]+\), and deploying `shop` builds with pipeline `build`: nothing was built or deployed\. Deploy once `unlock pipeline\.build` has lifted the freeze \(`--queue` does not wait for it\)\.$/;

describe('deploy and a freeze of its build pipeline', () => {
  it('is refused before any job, audited as the same conflict as `pipeline run`, and nothing is built', async () => {
    expect((await bot.job('lock pipeline.build release freeze')).job.state).toBe('succeeded');
    const jobsBefore = (await bot.app.store.jobs.list({ limit: 100 })).length;

    const pipelineRun = await bot.say('pipeline run build VERSION=1.0.0', piotr);
    expect(pipelineRun.kind === 'reply' && pipelineRun.status).toBe('conflict');
    const pipelineAudit = await lastAudit();

    for (const text of ['deploy shop blue --version 1.0.0', 'deploy shop auto', 'deploy shop green --version 1.0.0 --queue']) {
      const refused = await bot.say(text, piotr);
      expect(refused.kind === 'reply' && refused.status).toBe('conflict');
      expect(replyText(refused)).toMatch(FROZEN);
      const audit = await lastAudit();
      expect(audit).toMatchObject({ event: 'conflict', command: 'deploy', principal: piotr, permission: 'deploy:shop', jobId: null });
      // The same words about the holder as when the freeze refuses `pipeline run` itself.
      expect(audit.detail).toBe(pipelineAudit.detail);
      expect(audit.detail).toMatch(/^locked: Olga \(a freeze: "release freeze", since /);
    }
    expect(pipelineAudit).toMatchObject({ event: 'conflict', command: 'pipeline' });
    expect((await bot.app.store.jobs.list({ limit: 100 })).length).toBe(jobsBefore);
    expect(calls).toEqual([]);

    // A store without a build step is not held by it.
    const plain = await bot.job('deploy plain blue --version 1.0.0');
    expect(plain.job.error ?? '').not.toMatch(/pipeline\.build/);
    expect(calls).toContain('playbooks.run');

    // Lifted, the deploy gets as far as the build (which the fake fails).
    await release('pipeline.build');
    calls.length = 0;
    const after = await bot.job('deploy shop blue --version 1.0.0');
    expect(after.job.state).toBe('failed');
    expect(after.job.error).toBe('Build build#1 of pipeline build failed: FAILURE (fake). Nothing was deployed.');
    expect(calls).toEqual(['build.run build']);
  });

  it('a dry run, which builds nothing, is not held, and says a real run would be refused', async () => {
    expect((await bot.job('lock pipeline.build release freeze')).job.state).toBe('succeeded');
    const dry = await bot.job('deploy shop blue --version 1.0.0 --dry-run');
    expect(dry.job.state).toBe('succeeded');
    expect(textOf(dry)).toContain('A real run would be refused now: `pipeline.build` is locked by Olga (a freeze: \\"release freeze\\"');
    expect(calls).toEqual(['playbooks.run --check']);
  });

  it('is refused inside the job too: a deploy queued behind its store meets a freeze that came meanwhile', async () => {
    expect((await bot.job('lock shop store maintenance')).job.state).toBe('succeeded');
    const queued = await bot.say('deploy shop blue --version 1.0.0 --queue', piotr);
    if (queued.kind !== 'job') throw new Error(`expected a queued job, got ${JSON.stringify(queued.reply)}`);
    expect(queued.job.state).toBe('queued');
    expect((await bot.job('lock pipeline.build release freeze')).job.state).toBe('succeeded');
    await release('shop');
    const done = await queued.completion;
    expect(done.job.state).toBe('failed');
    expect(done.job.error).toMatch(FROZEN);
    expect(calls.filter((c) => c.startsWith('build.run'))).toEqual([]);
  });

  it('a `pipeline run` job holding the pipeline\'s lock does not hold a deploy: only a freeze does', async () => {
    // A `pipeline run build` job running on another replica holds `pipeline.build`.
    const now = new Date();
    const args = { action: 'run', target: 'build', variables: { VERSION: '2.0.0' } };
    const begun = await bot.app.store.jobs.begin(
      { command: 'pipeline', text: 'pipeline run build VERSION=2.0.0', args, principal: olga, conversation: ops, lockKey: 'pipeline.build', dryRun: false, owner: 'other-replica/1/abcd', timeoutMs: 60_000, now },
      { at: now, event: 'job_started', principal: olga, conversation: ops, command: 'pipeline', args, permission: 'pipeline:run:build', jobId: null, outcome: null, detail: null, refs: {} },
      { lock: { key: 'pipeline.build', ttlMs: 60_000 }, queueIfLocked: false },
    );
    expect(begun.ok).toBe(true);
    expect((await bot.app.store.locks.get('pipeline.build', new Date()))?.jobId).not.toBeNull();
    // A second `pipeline run` waits for it, as before…
    expect((await bot.say('pipeline run build VERSION=1.0.0')).kind === 'reply').toBe(true);
    // …and a deploy builds beside it, as before.
    const deploy = await bot.job('deploy shop blue --version 1.0.0');
    expect(deploy.job.error).toBe('Build build#1 of pipeline build failed: FAILURE (fake). Nothing was deployed.');
    expect(calls).toEqual(['build.run build']);
  });
});
