/**
 * opsbot killed with SIGKILL in the middle of a rollback, as a real process: `opsbot run "rollback
 * shop"` in its own process, with real ansible for the deploy before it and a real HAProxy switched
 * through its runtime API, killed once HAProxy has switched and while the frontend is being verified
 * (before the switch is recorded). Then the next `opsbot run` in the same data dir, as after a
 * restart. The core-level crash points are in crash.test.ts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haproxyCommand } from '../../src/backends/traffic/haproxy-socket.js';
import { HaproxySwitcher } from '../../src/backends/traffic/haproxy.js';
import { assertBuilt, opsbot, spawnOpsbot } from '../support/cli.js';
import { CRASH_TEST_CONFIG } from './support/crash-config.js';
import { writePlaybookDir } from './support/playbooks.js';
import { removeDir, sleep, startColourBackend, startHaproxy, tempDir, type ColourBackend, type Haproxy } from './support/servers.js';

let dir: string;
let blue: ColourBackend;
let green: ColourBackend;
let haproxy: Haproxy;
let config: string;

const signal = () => new AbortController().signal;
const live = () => new HaproxySwitcher({ socket: haproxy.socket, backend: 'be', servers: { blue: 'blue', green: 'green' }, idleState: 'maint' }).live(signal());
const run = (text: string) => opsbot(['run', text], { dir, env: { OPSBOT_CONFIG: config } });

async function liveBecomes(colour: 'blue' | 'green', timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if ((await live()) === colour) return true;
    await sleep(20);
  }
  return false;
}

function serve(colour: string) {
  return (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`ok ${colour}`);
  };
}

beforeAll(async () => {
  assertBuilt();
  dir = tempDir('opsbot-crash-');
  mkdirSync(join(dir, 'playbooks'));
  writePlaybookDir(join(dir, 'playbooks'));
  blue = await startColourBackend('blue', () => 'ok blue');
  green = await startColourBackend('green', () => 'ok green');
  haproxy = await startHaproxy({ blue: blue.port, green: green.port }, 'blue');
  config = join(dir, 'opsbot.yaml');
  writeFileSync(
    config,
    `${CRASH_TEST_CONFIG}  vars: { app_root: ./app }
stores:
  shop:
    env: prod
    vars: { serve: false }
    health:
      blue: http://127.0.0.1:${blue.port}/health
      green: http://127.0.0.1:${green.port}/health
      frontend: http://127.0.0.1:${haproxy.port}/
      timeout: 60s
      interval: 200ms
      requestTimeout: 1s
    traffic:
      haproxy: { socket: ${haproxy.socket}, backend: be }
`,
  );
});

afterAll(async () => {
  await haproxy.stop();
  await blue.close();
  await green.close();
  removeDir(dir);
});

describe('a rollback killed after the switch, before its record', { timeout: 180_000 }, () => {
  it('is reported with where traffic may be; a second rollback is refused instead of undoing it; a balancer on both colours is refused', async () => {
    const deployed = await run('deploy shop green --version 2.0.0');
    expect(deployed.stdout).toContain('Deployed 2.0.0 to shop/green; green is live');
    expect(await live()).toBe('green');

    // blue answers its health checks, but requests through the frontend hang: verification never ends.
    blue.handle = (req, res) => {
      if (req.url === '/health') serve('blue')(req, res);
    };
    const rollback = spawnOpsbot(['run', 'rollback shop'], { dir, env: { OPSBOT_CONFIG: config } });
    expect(await liveBecomes('blue', 60_000)).toBe(true);
    if (rollback.pid === undefined) throw new Error('no pid');
    process.kill(rollback.pid, 'SIGKILL');
    await rollback;
    blue.handle = serve('blue');

    const again = await run('rollback shop');
    // Recovery at start-up reports the killed job, with what it means for traffic.
    expect(again.stdout).toMatch(/Job #2 was interrupted/);
    expect(again.stdout).toContain('It had begun switching traffic green → blue and never verified it: traffic may have moved to blue (or both colours may take it). Check `status shop`.');
    // The switch is recorded from HAProxy, as the rollback it was: a second one would put green back.
    expect(again.exitCode).toBe(1);
    expect(again.stdout).toContain('`shop` is already rolled back: blue is live since job #2.');
    expect(await live()).toBe('blue');

    const status = await run('status shop');
    expect(status.stdout).toMatch(/shop .*prod .*blue /);
    expect(status.stdout).not.toContain('recorded');

    // Both colours taking traffic (a switch stopped halfway): nothing acts on a guess.
    expect((await haproxyCommand(haproxy.socket, 'set server be/green state ready', signal())).trim()).toBe('');
    const guessed = await run('deploy shop auto --version 2.1.0');
    expect(guessed.exitCode).toBe(1);
    expect(guessed.stdout).toContain('shows no single live colour for `shop` (both colours take traffic, or neither), and opsbot recorded blue as live.');
    expect((await run('status shop')).stdout).toContain('none (recorded: blue)');
  });
});
