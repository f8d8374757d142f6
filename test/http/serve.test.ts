/**
 * `opsbot serve` as a process: real HTTP on a free loopback port, then SIGTERM and a clean exit; and
 * a port someone else holds, which must end the process instead of leaving it half up.
 */
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { assertBuilt, opsbot, spawnOpsbot, stopOpsbot, writeServeConfig } from '../support/cli.js';
import { eventually, removeTempDirs, tempDir } from '../support/app.js';
import { freePort } from '../support/ports.js';
import { createTestDatabase } from '../support/postgres.js';

beforeAll(() => assertBuilt());
afterAll(() => removeTempDirs());

describe('opsbot serve', { timeout: 300_000 }, () => {
  it('serves /healthz, /readyz and /metrics over HTTP and exits 0 on SIGTERM', async () => {
    const dir = tempDir('opsbot-e2e-');
    const port = await freePort();
    const child = spawnOpsbot(['serve'], { dir, env: { PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' } });
    try {
      const base = `http://127.0.0.1:${port}`;
      const health = await eventually(
        () => fetch(`${base}/healthz`).then((r) => r.status, () => 0),
        (status) => status !== 0 || child.exitCode !== null,
        'opsbot serve to listen',
        60_000,
      );
      expect(health).toBe(200);
      const ready = await fetch(`${base}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ready', store: 'sqlite' });
      expect(await (await fetch(`${base}/metrics`)).text()).toContain('opsbot_jobs{state="running"} 0');
    } finally {
      child.kill('SIGTERM');
    }
    const result = await child;
    expect(result.exitCode).toBe(0);
    expect(result.signal).toBeUndefined();
    expect(result.stderr).not.toMatch(/\bat .+\.js:\d+/);
  });

  it('exits 1 by itself when its port is taken, closing the store and workers it had started', async () => {
    const dir = tempDir('opsbot-e2e-');
    const port = await freePort();
    const squatter = await listenOn(port);
    const db = await createTestDatabase(inject('postgresUrl'));
    // PostgreSQL and an alerts section: a pool of open connections and a flush every second, which
    // kept the process alive forever while nothing closed them.
    const config = writeServeConfig(dir, port, ['alerts:', '  sources:', '    generic: { bearer: "${ALERTS_TOKEN}" }'], 'storage: { engine: postgres, url: "${DATABASE_URL}" }');
    const child = spawnOpsbot(['serve', '--config', config], { dir, env: { DATABASE_URL: db.url, ALERTS_TOKEN: 'a-token-of-24-characters' } });
    try {
      // Generous: it ends about as soon as it has booted; before the fix it never ended.
      const ended = await Promise.race([child, new Promise<null>((resolve) => setTimeout(() => resolve(null), 30_000))]);
      expect(ended, 'opsbot serve still running 30 s after its port was refused').not.toBeNull();
      expect(ended?.exitCode).toBe(1);
      // spawnOpsbot leaves out the final newline.
      expect(ended?.stderr).toBe(`opsbot: listen EADDRINUSE: address already in use 127.0.0.1:${port}`);
    } finally {
      await stopOpsbot(child);
      await new Promise((resolve) => squatter.close(resolve));
      await db.drop();
    }
  });
});

describe('opsbot serve failing at start-up', { timeout: 300_000 }, () => {
  const postgres = 'storage: { engine: postgres, url: "${DATABASE_URL}" }';
  const stack = /\bat .+\.js:\d+/;

  it('says why PostgreSQL refused it (a database that does not exist), one line each, without the password', async () => {
    const dir = tempDir('opsbot-e2e-');
    const url = new URL(inject('postgresUrl'));
    url.password = 'not-a-real-password';
    url.pathname = '/opsbot_missing_database';
    const config = writeServeConfig(dir, await freePort(), [], postgres);
    const result = await opsbot(['serve', '--config', config], { dir, env: { DATABASE_URL: url.toString() } });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe('opsbot: store migration (setup) failed on postgres\n  caused by: database "opsbot_missing_database" does not exist\n');
  });

  it('says the connection was refused, when nothing listens at the URL', async () => {
    const dir = tempDir('opsbot-e2e-');
    const port = await freePort();
    const config = writeServeConfig(dir, await freePort(), [], postgres);
    const result = await opsbot(['serve', '--config', config], { dir, env: { DATABASE_URL: `postgres://opsbot:not-a-real-password@127.0.0.1:${port}/opsbot` } });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(`caused by: connect ECONNREFUSED 127.0.0.1:${port}`);
    expect(result.stderr).not.toMatch(stack);
    expect(result.stderr).not.toContain('not-a-real-password');
  });

  it('refuses a schedule that runs an unknown command as check-config does: file:line:col, path and reason, exit 2, no stack', async () => {
    const dir = tempDir('opsbot-e2e-');
    const schedule = ['schedules:', '  nightly:', '    cron: "0 2 * * *"', '    run: "backpu db"', '    as: backup-bot'];
    const config = writeServeConfig(dir, await freePort(), schedule);
    const result = await opsbot(['serve', '--config', config], { dir });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe(`${config}:7:10 schedules.nightly.run: The scheduled command "backpu" does not exist.\n`);
    expect(result.stderr).not.toMatch(stack);
  });
});

function listenOn(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}
