/**
 * Which Compose runs, and with exactly which argv: the v2 plugin (`docker compose …`) or the v1 binary
 * (`docker-compose …`). Debian 12 packages no v2 plugin (REAL-COMPONENTS.md), so the plugin here is a
 * CLI plugin installed into a temp DOCKER_CONFIG that forwards to Debian's v1 binary: the real docker
 * CLI discovers it, answers `docker compose version` through it, and hands it the arguments. No daemon
 * is needed (docker.test.ts scales for real against one).
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ComposeOrchestrator, type ComposeSettings } from '../../src/backends/containers/compose.js';
import { removeTempDirs, tempDir } from '../support/app.js';

const V1 = '/usr/bin/docker-compose';
/** The docker CLIs on this machine: Debian's (20.10) and possibly a newer one first on PATH. */
const CLIS = ['/usr/bin/docker', '/usr/local/bin/docker'].filter((f) => existsSync(f));
const missing = !existsSync(V1) ? `${V1} is missing (Debian package docker-compose)` : CLIS.length === 0 ? 'no docker CLI (Debian package docker.io)' : null;
if (missing !== null) console.warn(`\n!!! Compose v1/v2 selection tests SKIPPED: ${missing}.\n`);

let withPlugin: string;
let withoutPlugin: string;
let seen: string;
/** The environment the plugin ran with. */
let seenEnv: string;
/** CLIs that find a Compose plugin of their own (a system-wide install) even with an empty DOCKER_CONFIG. */
const systemPlugin = new Set<string>();

beforeAll(async () => {
  const dir = tempDir('opsbot-compose-v2-');
  withPlugin = join(dir, 'docker-config');
  withoutPlugin = join(dir, 'empty-config');
  seen = join(dir, 'plugin-argv');
  seenEnv = join(dir, 'plugin-env');
  mkdirSync(join(withPlugin, 'cli-plugins'), { recursive: true });
  mkdirSync(withoutPlugin);
  const plugin = join(withPlugin, 'cli-plugins', 'docker-compose');
  writeFileSync(
    plugin,
    [
      '#!/bin/sh',
      'if [ "$1" = docker-cli-plugin-metadata ]; then',
      `  echo '{"SchemaVersion":"0.1.0","Vendor":"opsbot tests","Version":"v2.99.0","ShortDescription":"Compose v1 behind the v2 plugin interface"}'`,
      '  exit 0',
      'fi',
      `printf '%s\\n' "$@" > '${seen}'`,
      `env > '${seenEnv}'`,
      'shift',
      `exec ${V1} "$@"`,
      '',
    ].join('\n'),
  );
  chmodSync(plugin, 0o755);
  for (const cli of CLIS) {
    if ((await execa(cli, ['compose', 'version'], { env: { DOCKER_CONFIG: withoutPlugin }, reject: false })).exitCode === 0) systemPlugin.add(cli);
  }
});

afterAll(() => removeTempDirs());

function settings(dockerBinary: string, dockerConfig: string, overrides: Partial<ComposeSettings> = {}): ComposeSettings {
  return { project: 'shop', service: 'web', file: '/srv/shop/compose.yaml', command: 'auto', dockerHost: null, env: { DOCKER_CONFIG: dockerConfig }, dockerBinary, composeBinary: V1, ...overrides };
}

const signal = (): AbortSignal => new AbortController().signal;
const UP = ['up', '-d', '--no-recreate', '--scale', 'web=3', 'web'];
const COMMON = ['--project-name', 'shop', '--file', '/srv/shop/compose.yaml', ...UP];

describe.skipIf(missing !== null)('Compose v2 (plugin) and v1 (standalone)', () => {
  it.each(CLIS)('auto prefers the plugin when `%s compose version` works, and builds `docker compose …`', async (cli) => {
    const compose = new ComposeOrchestrator(settings(cli, withPlugin));
    expect(await compose.detect(signal())).toBe('plugin');
    expect(await compose.argv(UP, signal())).toEqual({ file: cli, args: ['compose', ...COMMON] });
  });

  it.each(CLIS)('auto falls back to docker-compose when `%s compose` is unknown, and builds `docker-compose …`', async (cli) => {
    const compose = new ComposeOrchestrator(settings(cli, withoutPlugin));
    // Where a real v2 plugin is installed system-wide, `docker compose version` works: then auto must pick it.
    if (systemPlugin.has(cli)) {
      expect(await compose.detect(signal())).toBe('plugin');
      return;
    }
    expect(await compose.detect(signal())).toBe('standalone');
    expect(await compose.argv(UP, signal())).toEqual({ file: V1, args: COMMON });
  });

  it.each(CLIS)('%s runs Compose with exactly the environment the config gives it, never the rest of opsbot\'s', async (cli) => {
    process.env.OPSBOT_TEST_BOT_TOKEN = 'xoxb-must-not-leak';
    try {
      const compose = new ComposeOrchestrator(settings(cli, withPlugin, { env: { DOCKER_CONFIG: withPlugin, SHOP_TAG: 'v1' } }));
      expect(await compose.detect(signal())).toBe('plugin');
      const env = readFileSync(seenEnv, 'utf8');
      expect(env).not.toContain('xoxb-must-not-leak');
      expect(env).toContain('SHOP_TAG=v1');
    } finally {
      delete process.env.OPSBOT_TEST_BOT_TOKEN;
    }
  });

  it('a configured flavour is used as is, without asking docker', async () => {
    const plugin = new ComposeOrchestrator(settings('/nonexistent/docker', withoutPlugin, { command: 'plugin', file: null }));
    expect(await plugin.argv(UP, signal())).toEqual({ file: '/nonexistent/docker', args: ['compose', '--project-name', 'shop', ...UP] });
    const standalone = new ComposeOrchestrator(settings('/nonexistent/docker', withPlugin, { command: 'standalone', composeBinary: '/opt/compose/docker-compose' }));
    expect(await standalone.argv(UP, signal())).toEqual({ file: '/opt/compose/docker-compose', args: COMMON });
  });

  it.each(CLIS)('%s hands the plugin exactly the argv opsbot built', async (cli) => {
    const compose = new ComposeOrchestrator(settings(cli, withPlugin));
    const { file, args } = await compose.argv(['version'], signal());
    const run = await execa(file, args, { env: { DOCKER_CONFIG: withPlugin }, reject: false });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('docker-compose version 1.');
    expect(readFileSync(seen, 'utf8').split('\n').filter((l) => l !== '')).toEqual(['compose', '--project-name', 'shop', '--file', '/srv/shop/compose.yaml', 'version']);
  });
});
