/**
 * Compose (v1, the packaged one) and Swarm scaling against a real Docker Engine started for this file
 * (see dockerd.ts). Skipped ONLY when the daemon cannot run here, and then loudly, with the reason.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ComposeOrchestrator, type ComposeSettings } from '../../src/backends/containers/compose.js';
import { SwarmOrchestrator } from '../../src/backends/containers/swarm.js';
import type { ServiceConfig, ServicesConfig } from '../../src/config/types.js';
import { BackendError, ConflictError } from '../../src/core/errors.js';
import { removeTempDirs, startTestApp, type TestApp } from '../support/app.js';
import { DOCKER_COMPOSE, dockerdUnavailable, IMAGE, startDockerd, type Dockerd } from './dockerd.js';

const unavailable = dockerdUnavailable();
if (unavailable !== null) console.warn(`\n!!! Docker Engine tests SKIPPED: ${unavailable}. Compose and Swarm scaling are NOT tested in this run.\n`);

let daemon: Dockerd;
let composeFile: string;

beforeAll(async () => {
  if (unavailable !== null) return;
  daemon = await startDockerd();
  composeFile = join(daemon.dir, 'compose.yaml');
  // ${IMAGE} comes from the environment opsbot gives the compose process (the service's `env`).
  writeFileSync(
    composeFile,
    ['version: "3"', 'services:', '  web:', '    image: ${IMAGE}', '    command: ["httpd", "-f", "-p", "8080"]', '  broken:', '    image: ${IMAGE}', '    command: ["false"]', ''].join('\n'),
  );
}, 120_000);

afterAll(async () => {
  if (unavailable === null) await daemon.stop();
  removeTempDirs();
}, 120_000);

/** Compose's environment as the config gives it: PATH and HOME from opsbot's (config/schema/services.ts), plus the service's env. */
function composeSettings(overrides: Partial<ComposeSettings> = {}): ComposeSettings {
  const inherited = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root' };
  return { project: 'opsbot-test', service: 'web', file: composeFile, command: 'auto', dockerHost: daemon.host, env: { ...inherited, IMAGE }, composeBinary: DOCKER_COMPOSE, ...overrides };
}

function service(orchestrator: ServiceConfig['environments'][string]['orchestrator'], overrides: Partial<ServiceConfig> = {}): ServiceConfig {
  return { description: null, cooldown: 60_000, readyTimeout: 60_000, pollInterval: 200, defaultEnv: 'local', environments: { local: { min: 1, max: 6, orchestrator, orchestrators: 1 } }, ...overrides };
}

async function withBot<T>(services: ServicesConfig, work: (bot: TestApp) => Promise<T>): Promise<T> {
  const bot = await startTestApp({ config: { services } });
  try {
    return await work(bot);
  } finally {
    await bot.close();
  }
}

const running = async (project: string, svc: string): Promise<number> =>
  (await daemon.docker(['ps', '--filter', `label=com.docker.compose.project=${project}`, '--filter', `label=com.docker.compose.service=${svc}`, '--filter', 'status=running', '-q'])).split('\n').filter((l) => l !== '').length;

describe.skipIf(unavailable !== null)('Docker Compose (v1) on a real daemon', () => {
  it('finds the v1 binary when the plugin is not installed, and builds its argv from the config only', async () => {
    const compose = new ComposeOrchestrator(composeSettings());
    expect(await compose.detect(new AbortController().signal)).toBe('standalone');
    expect(await compose.argv(['up', '-d'], new AbortController().signal)).toEqual({ file: DOCKER_COMPOSE, args: ['--project-name', 'opsbot-test', '--file', composeFile, 'up', '-d'] });
  });

  it('scales up and down with /scale, waiting until the containers run', async () => {
    await withBot({ web: service({ kind: 'compose', ...composeSettings() }) }, async (bot) => {
      const up = await bot.runJob('scale web 3');
      expect(up.job.state).toBe('succeeded');
      expect(up.text).toContain('`web` (local) scaled 0 → 3; 3/3 ready.');
      expect(await running('opsbot-test', 'web')).toBe(3);

      bot.clock.advance(61_000);
      const double = await bot.runJob('scale web x2');
      expect(double.text).toContain('scaled 3 → 6; 6/6 ready.');
      expect(await running('opsbot-test', 'web')).toBe(6);

      bot.clock.advance(61_000);
      const half = await bot.runJob('scale web x0.5');
      expect(half.text).toContain('scaled 6 → 3; 3/3 ready.');
      expect(await running('opsbot-test', 'web')).toBe(3);

      const status = await bot.say('status web');
      expect(status.text).toContain('3/3');
    });
  }, 180_000);

  it('reports containers that never become ready', async () => {
    const broken = { kind: 'compose' as const, ...composeSettings({ service: 'broken' }) };
    await withBot({ broken: service(broken, { readyTimeout: 3_000 }) }, async (bot) => {
      const done = await bot.runJob('scale broken 2');
      expect(done.job.state).toBe('failed');
      expect(done.text).toMatch(/`broken` \(local\) did not converge: 0 of 2 replicas ready \(desired 2\)/);
    });
  }, 120_000);

  it('turns a Compose failure into a BackendError with its own words (the v2 plugin is not installed here)', async () => {
    const compose = new ComposeOrchestrator(composeSettings({ command: 'plugin' }));
    const current = await compose.read(new AbortController().signal);
    const error = await compose.scale(current.desired + 1, current.desired, new AbortController().signal).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as Error).message).toMatch(/`docker compose --project-name opsbot-test --file \S+ up -d --no-recreate --scale web=\d+ web` failed \(exit \d+\): unknown/);
  });

  it('refuses when the count changed since it was read', async () => {
    const compose = new ComposeOrchestrator(composeSettings());
    const current = await compose.read(new AbortController().signal);
    await expect(compose.scale(current.desired + 1, current.desired + 5, new AbortController().signal)).rejects.toBeInstanceOf(ConflictError);
  });

  it('says when the daemon cannot be reached', async () => {
    const compose = new ComposeOrchestrator(composeSettings({ dockerHost: `unix://${join(daemon.dir, 'nope.sock')}` }));
    const error = await compose.read(new AbortController().signal).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as Error).message).toMatch(/Cannot reach Docker at unix:\/\/.*nope\.sock .*ENOENT/);
  });
});

describe.skipIf(unavailable !== null)('Docker Swarm on a real daemon', () => {
  beforeAll(async () => {
    await daemon.docker(['swarm', 'init', '--advertise-addr', '127.0.0.1']);
    await daemon.docker(['service', 'create', '-d', '--name', 'sweb', '--replicas', '1', IMAGE, 'httpd', '-f', '-p', '8080']);
    await daemon.docker(['service', 'create', '-d', '--name', 'sglobal', '--mode', 'global', IMAGE, 'httpd', '-f', '-p', '8080']);
  }, 60_000);

  it('scales a service through the Engine API with its version index, and waits for running tasks', async () => {
    await withBot({ sweb: service({ kind: 'swarm', service: 'sweb', dockerHost: daemon.host }) }, async (bot) => {
      const done = await bot.runJob('scale sweb x3');
      expect(done.job.state).toBe('succeeded');
      expect(done.text).toContain('`sweb` (local) scaled 1 → 3; 3/3 ready.');
    });
    expect(await daemon.docker(['service', 'inspect', 'sweb', '--format', '{{.Spec.Mode.Replicated.Replicas}}'])).toBe('3');
    const tasks = await daemon.docker(['service', 'ps', 'sweb', '--filter', 'desired-state=running', '--format', '{{.CurrentState}}']);
    expect(tasks.split('\n').filter((t) => t.startsWith('Running'))).toHaveLength(3);
  }, 120_000);

  it('refuses a stale count, and a global service', async () => {
    const swarm = new SwarmOrchestrator({ service: 'sweb', dockerHost: daemon.host });
    const now = await swarm.read(new AbortController().signal);
    await expect(swarm.scale(now.desired + 1, now.desired - 1, new AbortController().signal)).rejects.toBeInstanceOf(ConflictError);
    const global = new SwarmOrchestrator({ service: 'sglobal', dockerHost: daemon.host });
    await expect(global.read(new AbortController().signal)).rejects.toThrow(/not a replicated service/);
    const missing = new SwarmOrchestrator({ service: 'nope', dockerHost: daemon.host });
    await expect(missing.read(new AbortController().signal)).rejects.toThrow(/Docker refused service nope \(404\): service nope not found/);
  });
});
