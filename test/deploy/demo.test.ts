/**
 * The demo store as shipped in the demo config: `deploy demo blue` deploys for real on this machine
 * (ansible, connection local, python web servers, symlink switch). Only the ports are swapped for
 * free ones, so the test never collides with a demo someone is running.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoConfigPath } from '../../src/config/demo-path.js';
import { startDeployApp, type DeployApp } from './support/app.js';
import { eventually, freePort, pidAlive, removeDir, tempDir } from './support/servers.js';
import { repoRoot } from '../support/shared.js';
import type { Principal } from '../../src/core/identity.js';
import { randomUUID } from 'node:crypto';

let dir: string;
let bot: DeployApp;
const ports = { live: 0, blue: 0, green: 0 };
const operator: Principal = { platform: 'shell', id: 'local', name: 'operator' };

async function shell(text: string) {
  const outcome = await bot.app.dispatcher.dispatch({ id: randomUUID(), text, principal: operator, conversation: { platform: 'shell', id: 'local' }, receivedAt: new Date() });
  if (outcome.kind !== 'job') return { reply: outcome.reply, job: null };
  return outcome.completion;
}

const get = async (port: number) => (await fetch(`http://127.0.0.1:${port}/health`, { headers: { connection: 'close' } })).text();

beforeAll(async () => {
  dir = tempDir('opsbot-demo-');
  ports.live = await freePort();
  ports.blue = await freePort();
  ports.green = await freePort();
  const text = readFileSync(demoConfigPath(), 'utf8').replaceAll('18480', String(ports.live)).replaceAll('18481', String(ports.blue)).replaceAll('18482', String(ports.green));
  bot = await startDeployApp(dir, text, { env: { ...process.env, OPSBOT_DATA_DIR: join(dir, 'data') } });
});

afterAll(async () => {
  await bot.close();
  // The demo's web servers are daemons by design: stop them by their pid files.
  for (const name of ['blue', 'green', 'live']) {
    await execa('/usr/bin/python3', [join(repoRoot, 'playbooks', 'files', 'static-server.py'), '--stop', '--pidfile', join(dir, 'data', 'demo', `${name}.pid`)], { reject: false });
  }
  removeDir(dir);
});

describe('the demo store', { timeout: 300_000 }, () => {
  it('deploy demo blue works on a fresh data dir, then green, status, rollback, backup, maintenance', async () => {
    const first = await shell('deploy demo blue');
    expect(first.job?.state).toBe('succeeded');
    expect(first.reply.title).toBe('Deployed 1.0.0 to demo/blue; blue is live');
    expect(await get(ports.live)).toBe('ok blue 1.0.0\n');

    const second = await shell('deploy demo auto --version 1.1.0');
    expect(second.reply.title).toBe('Deployed 1.1.0 to demo/green; green is live');
    expect(await get(ports.live)).toBe('ok green 1.1.0\n');

    const status = await shell('status');
    expect(JSON.stringify(status.reply.blocks)).toContain('"demo","dev","green","1.0.0 healthy","1.1.0 healthy","—","—"');

    const back = await shell('rollback demo');
    expect(back.reply.title).toBe('Rolled back demo to blue (1.0.0); blue is live');
    expect(await get(ports.live)).toBe('ok blue 1.0.0\n');

    const backup = await shell('run backup label=demo');
    expect(backup.job?.state).toBe('succeeded');

    const pids = ['blue', 'green', 'live'].map((n) => Number(readFileSync(join(dir, 'data', 'demo', `${n}.pid`), 'utf8')));
    const stopped = await shell('run maintenance keep=1 stop_servers=true');
    expect(stopped.job?.state).toBe('succeeded');
    expect(await eventually(() => pids.filter(pidAlive).length === 0)).toBe(true);
  });
});
