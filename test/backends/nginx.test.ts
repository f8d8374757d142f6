/**
 * The nginx switcher against a real nginx with two real backend servers: the include is rewritten
 * atomically, `nginx -t` guards the reload, and a client loop sees zero failed requests.
 */
import { readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NginxSwitcher } from '../../src/backends/traffic/nginx.js';
import { BackendError } from '../../src/core/errors.js';
import { clientLoop, sleep, startColourBackend, startNginx, type ColourBackend, type Nginx } from '../deploy/support/servers.js';

let blue: ColourBackend;
let green: ColourBackend;
let nginx: Nginx;
const signal = new AbortController().signal;

beforeAll(async () => {
  blue = await startColourBackend('blue', () => 'blue 1.0.0');
  green = await startColourBackend('green', () => 'green 1.1.0');
  nginx = await startNginx({ blue: blue.port, green: green.port }, 'blue');
});

afterAll(async () => {
  await nginx.stop();
  await blue.close();
  await green.close();
});

function switcher(servers = { blue: `127.0.0.1:${blue.port}`, green: `127.0.0.1:${green.port}` }): NginxSwitcher {
  return new NginxSwitcher({ binary: '/usr/sbin/nginx', prefix: nginx.dir, config: nginx.config, errorLog: nginx.errorLog, include: nginx.include, servers });
}

async function untilServes(body: string): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    const text = await fetch(`http://127.0.0.1:${nginx.port}/`, { headers: { connection: 'close' } }).then((r) => r.text());
    if (text === body) return;
    await sleep(25);
  }
  throw new Error(`nginx never served ${body}`);
}

describe('nginx switcher (real nginx, upstream include + reload)', () => {
  it('reads the live colour from the include', async () => {
    expect(await switcher().live()).toBe('blue');
  });

  it('switches blue → green with zero failed requests', async () => {
    const bodies: string[] = [];
    let finish!: () => void;
    const loop = clientLoop(`http://127.0.0.1:${nginx.port}/`, new Promise<void>((r) => (finish = r)), (b) => bodies.push(b));
    await sleep(300);
    await switcher().switchTo('green', signal);
    await untilServes('green 1.1.0');
    // A reload is graceful: old workers may still accept a few connections while they drain, so the
    // loop waits for 20 green answers in a row (bounded) instead of trusting the first green one.
    const trailingGreen = (): number => bodies.length - 1 - bodies.findLastIndex((b) => b !== 'green 1.1.0');
    const deadline = Date.now() + 15_000;
    while (trailingGreen() < 20 && Date.now() < deadline) await sleep(20);
    finish();
    const result = await loop;
    expect(result.failed).toBe(0);
    expect(result.errors).toEqual([]);
    expect(bodies).toContain('blue 1.0.0');
    expect(trailingGreen()).toBeGreaterThanOrEqual(20);
    expect(await switcher().live()).toBe('green');
    expect(readFileSync(nginx.include, 'utf8')).toContain(`server 127.0.0.1:${green.port};`);
  });

  it('puts the previous include back when nginx -t rejects the new one, and keeps serving', async () => {
    const before = readFileSync(nginx.include, 'utf8');
    const broken = switcher({ blue: 'no-such-host.invalid:80', green: `127.0.0.1:${green.port}` });
    const error = await broken.switchTo('blue', signal).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as Error).message).toMatch(/nginx -t rejected the switch to blue.*host not found/);
    expect(readFileSync(nginx.include, 'utf8')).toBe(before);
    await untilServes('green 1.1.0');
  });

  it('puts the previous include back when the reload fails, so the live colour read stays what nginx serves', async () => {
    const before = readFileSync(nginx.include, 'utf8');
    // Without its pid file `nginx -s reload` signals nobody and fails, while `nginx -t` still passes.
    const pidFile = join(nginx.dir, 'nginx.pid');
    renameSync(pidFile, `${pidFile}.away`);
    try {
      const error = await switcher().switchTo('blue', signal).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BackendError);
      expect((error as Error).message).toMatch(/nginx -s reload failed, the previous upstream is back and nothing was switched: .*nginx\.pid/);
    } finally {
      renameSync(`${pidFile}.away`, pidFile);
    }
    expect(readFileSync(nginx.include, 'utf8')).toBe(before);
    expect(await switcher().live()).toBe('green');
    await untilServes('green 1.1.0');
  });
});
