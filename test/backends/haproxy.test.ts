/**
 * The HAProxy switcher against a real haproxy with two real backend servers: the runtime API switch
 * drops no request while a client loop runs, the state reads back, and errors are HAProxy's words.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HaproxySwitcher } from '../../src/backends/traffic/haproxy.js';
import { haproxyCommand } from '../../src/backends/traffic/haproxy-socket.js';
import { BackendError } from '../../src/core/errors.js';
import { clientLoop, sleep, startColourBackend, startHaproxy, type ColourBackend, type Haproxy } from '../deploy/support/servers.js';

let blue: ColourBackend;
let green: ColourBackend;
let haproxy: Haproxy;
const signal = new AbortController().signal;

beforeAll(async () => {
  blue = await startColourBackend('blue', () => 'blue 1.0.0');
  green = await startColourBackend('green', () => 'green 1.1.0');
  haproxy = await startHaproxy({ blue: blue.port, green: green.port }, 'blue');
});

afterAll(async () => {
  await haproxy.stop();
  await blue.close();
  await green.close();
});

function switcher(idleState: 'maint' | 'drain' = 'maint'): HaproxySwitcher {
  return new HaproxySwitcher({ socket: haproxy.socket, backend: 'be', servers: { blue: 'blue', green: 'green' }, idleState });
}

/** Runs a client loop through the frontend around `work`, and a while after it. */
async function underLoad(work: () => Promise<void>): Promise<{ ok: number; failed: number; errors: string[]; bodies: string[] }> {
  const bodies: string[] = [];
  let finish!: () => void;
  const stop = new Promise<void>((resolve) => (finish = resolve));
  const loop = clientLoop(`http://127.0.0.1:${haproxy.port}/`, stop, (b) => bodies.push(b));
  await sleep(300);
  await work();
  const after = bodies.length;
  while (bodies.length < after + 30) await sleep(20);
  finish();
  return { ...(await loop), bodies };
}

describe('HAProxy switcher (real haproxy, runtime API)', () => {
  it('reads the live colour back from the admin socket', async () => {
    expect(await switcher().live(signal)).toBe('blue');
  });

  it('switches blue → green with zero failed requests, then back with drain', async () => {
    const toGreen = await underLoad(() => switcher().switchTo('green', signal));
    expect(toGreen.failed).toBe(0);
    expect(toGreen.errors).toEqual([]);
    expect(toGreen.bodies).toContain('blue 1.0.0');
    expect(toGreen.bodies.slice(-20).every((b) => b === 'green 1.1.0')).toBe(true);
    expect(await switcher().live(signal)).toBe('green');
    const state = await haproxyCommand(haproxy.socket, 'show servers state be', signal);
    expect(state).toMatch(/\bblue 127\.0\.0\.1 0 1 /); // op state stopped, admin FMAINT

    const toBlue = await underLoad(() => switcher('drain').switchTo('blue', signal));
    expect(toBlue.failed).toBe(0);
    expect(toBlue.bodies.slice(-20).every((b) => b === 'blue 1.0.0')).toBe(true);
    expect(await switcher().live(signal)).toBe('blue');
  });

  it('reports HAProxy refusing a command in its own words', async () => {
    const wrong = new HaproxySwitcher({ socket: haproxy.socket, backend: 'be', servers: { blue: 'blue', green: 'nosuch' }, idleState: 'maint' });
    const error = await wrong.switchTo('green', signal).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as Error).message).toContain('No such server.');
    expect(await switcher().live(signal)).toBe('blue');
  });

  it('says so when the socket is unreachable', async () => {
    const gone = new HaproxySwitcher({ socket: `${haproxy.dir}/missing.sock`, backend: 'be', servers: { blue: 'blue', green: 'green' }, idleState: 'maint' });
    await expect(gone.live(signal)).rejects.toThrow(/Cannot reach the HAProxy admin socket/);
  });
});
