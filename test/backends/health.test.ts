/** The HTTP health checker and the symlink switcher, against real local servers and files. */
import { mkdirSync, readlinkSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containsVersion, httpProbe } from '../../src/backends/health/http.js';
import { createHealthPort } from '../../src/backends/health/store-health.js';
import type { StoresConfig } from '../../src/config/deploy-types.js';
import type { RemoteCommandPort } from '../../src/core/deploy/ports.js';
import { STATUS_READ_TTL_MS } from '../../src/core/shared-reads.js';
import { MovableClock } from '../support/app.js';
import { waitHealthy } from '../../src/backends/health/wait.js';
import { SymlinkSwitcher } from '../../src/backends/traffic/symlink.js';
import { CancelledError, BackendError } from '../../src/core/errors.js';
import { freePort, removeDir, startColourBackend, tempDir, type ColourBackend } from '../deploy/support/servers.js';

let server: ColourBackend;
let body = 'ok green 1.4.2';
const never = new AbortController().signal;

beforeAll(async () => {
  server = await startColourBackend('green', () => body);
});

afterAll(async () => {
  await server.close();
});

const url = () => `http://127.0.0.1:${server.port}/health`;

describe('HTTP health probe', () => {
  it('is healthy on 2xx, and checks the version as a whole word', async () => {
    body = 'ok green 1.4.2';
    expect(await httpProbe(url(), { timeoutMs: 2_000, version: '1.4.2', signal: never })).toEqual({ healthy: true, attempts: 1, detail: 'HTTP 200 (version 1.4.2)' });
    expect((await httpProbe(url(), { timeoutMs: 2_000, version: '1.4', signal: never })).healthy).toBe(false);
    expect(containsVersion('version=1.4.20', '1.4.2')).toBe(false);
    expect(containsVersion('{"version":"1.4.2"}', '1.4.2')).toBe(true);
  });

  it('is unhealthy on 5xx, on refused connections and on timeouts', async () => {
    server.handle = (_req, res) => {
      res.writeHead(503);
      res.end('down');
    };
    expect(await httpProbe(url(), { timeoutMs: 2_000, version: null, signal: never })).toMatchObject({ healthy: false, detail: 'HTTP 503' });
    server.handle = () => undefined; // never answers
    expect(await httpProbe(url(), { timeoutMs: 200, version: null, signal: never })).toMatchObject({ healthy: false, detail: 'no answer within 200 ms' });
    const closed = await freePort();
    expect(await httpProbe(`http://127.0.0.1:${closed}/health`, { timeoutMs: 1_000, version: null, signal: never })).toMatchObject({ healthy: false, detail: 'ECONNREFUSED' });
  });

  it('retries until healthy, and gives up at the deadline', async () => {
    let calls = 0;
    server.handle = (_req, res) => {
      calls += 1;
      res.writeHead(calls < 3 ? 500 : 200);
      res.end('ok');
    };
    const attempts: string[] = [];
    const healthy = await waitHealthy(() => httpProbe(url(), { timeoutMs: 1_000, version: null, signal: never }), { deadlineMs: 10_000, intervalMs: 20, signal: never, onAttempt: (_n, d) => attempts.push(d) });
    expect(healthy).toEqual({ healthy: true, attempts: 3, detail: 'HTTP 200' });
    expect(attempts).toEqual(['HTTP 500', 'HTTP 500', 'HTTP 200']);

    server.handle = (_req, res) => {
      res.writeHead(500);
      res.end();
    };
    const gaveUp = await waitHealthy(() => httpProbe(url(), { timeoutMs: 1_000, version: null, signal: never }), { deadlineMs: 300, intervalMs: 50, signal: never });
    expect(gaveUp.healthy).toBe(false);
    expect(gaveUp.detail).toBe('HTTP 500');
  });

  it('stops waiting when the signal aborts', async () => {
    server.handle = (_req, res) => {
      res.writeHead(500);
      res.end();
    };
    const controller = new AbortController();
    const waiting = waitHealthy(() => httpProbe(url(), { timeoutMs: 1_000, version: null, signal: controller.signal }), { deadlineMs: 60_000, intervalMs: 100, signal: controller.signal });
    setTimeout(() => controller.abort(new CancelledError('stop')), 150);
    await expect(waiting).rejects.toBeInstanceOf(CancelledError);
  });
});

describe('the health port', () => {
  // Its own path, so a late request of an earlier test to this server is not counted.
  const target = (): string => `http://127.0.0.1:${server.port}/shop-health`;
  const stores = (): StoresConfig =>
    ({
      shop: { health: { targets: { blue: { kind: 'http', url: target() }, green: { kind: 'http', url: target() } }, frontend: target(), expectVersion: false, timeout: 5_000, interval: 50, requestTimeout: 2_000 } },
    }) as unknown as StoresConfig;
  const noRemote = {} as RemoteCommandPort;

  it('answers 20 concurrent `status` probes of a colour with one request, reused for a few seconds', async () => {
    let requests = 0;
    server.handle = (req, res) => {
      if (req.url === '/shop-health') requests += 1;
      res.writeHead(200);
      res.end('ok');
    };
    const clock = new MovableClock();
    const health = createHealthPort(stores(), noRemote, clock);
    const probes = await Promise.all(Array.from({ length: 20 }, () => health.probe('shop', 'blue', never)));
    expect(probes.every((p) => p.healthy)).toBe(true);
    expect(requests).toBe(1);
    await health.probe('shop', 'blue', never);
    expect(requests).toBe(1);
    clock.advance(STATUS_READ_TTL_MS);
    await health.probe('shop', 'blue', never);
    expect(requests).toBe(2);
  });

  it('probes afresh for `status` once a deploy waited on the colour', async () => {
    let requests = 0;
    server.handle = (req, res) => {
      if (req.url === '/shop-health') requests += 1;
      res.writeHead(requests === 1 ? 503 : 200);
      res.end('ok');
    };
    const health = createHealthPort(stores(), noRemote, new MovableClock());
    expect((await health.probe('shop', 'green', never)).healthy).toBe(false);
    expect((await health.waitHealthy('shop', 'green', { version: null, signal: never })).healthy).toBe(true);
    expect((await health.probe('shop', 'green', never)).healthy).toBe(true);
    expect(requests).toBe(3);
  });
});

describe('symlink switcher', () => {
  it('repoints the link atomically and reads the live colour back', async () => {
    const dir = tempDir();
    try {
      mkdirSync(join(dir, 'blue'));
      mkdirSync(join(dir, 'green'));
      const link = join(dir, 'live');
      const s = new SymlinkSwitcher({ link, targets: { blue: join(dir, 'blue'), green: join(dir, 'green') } });
      expect(await s.live()).toBeNull();
      await s.switchTo('blue', never);
      expect(await s.live()).toBe('blue');
      await s.switchTo('green', never);
      expect(readlinkSync(link)).toBe(join(dir, 'green'));
      expect(await s.live()).toBe('green');
      const missing = new SymlinkSwitcher({ link, targets: { blue: join(dir, 'nope'), green: join(dir, 'green') } });
      await expect(missing.switchTo('blue', never)).rejects.toBeInstanceOf(BackendError);
      expect(await s.live()).toBe('green');
      symlinkSync('/elsewhere', join(dir, 'other'));
      expect(await new SymlinkSwitcher({ link: join(dir, 'other'), targets: { blue: join(dir, 'blue'), green: join(dir, 'green') } }).live()).toBeNull();
    } finally {
      removeDir(dir);
    }
  });
});
