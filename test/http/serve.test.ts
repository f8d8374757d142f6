/** `opsbot serve` as a process: real HTTP on a free loopback port, then SIGTERM and a clean exit. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, spawnOpsbot } from '../support/cli.js';
import { eventually, removeTempDirs, tempDir } from '../support/app.js';
import { freePort } from '../support/ports.js';

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
});
