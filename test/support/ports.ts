/**
 * A loopback port nothing listens on right now, for servers that must be told their port up front
 * (`opsbot serve`, haproxy, nginx…), which bind it a moment later, in another process.
 *
 * Asking the kernel for one (`listen(0)`, then closing it) races every other server in the suite:
 * between our close and the child's bind, a server in another test worker that itself listens on
 * port 0 can be given the same port (it happened: `opsbot serve` then failed to bind, and the test's
 * requests reached a contract server instead). So ports come from below the kernel's ephemeral
 * range (32768 up on Linux), where `listen(0)` never lands, in a block of its own for each test
 * worker (VITEST_POOL_ID), handed out in turn and each probed before it is given.
 */
import { createServer } from 'node:net';

const FIRST = 20_000;
const BLOCK = 600;
const BLOCKS = 20;

const worker = Number(process.env.VITEST_POOL_ID ?? '0');
const base = FIRST + ((Number.isSafeInteger(worker) && worker > 0 ? worker : 0) % BLOCKS) * BLOCK;
let next = 0;

export async function freePort(): Promise<number> {
  for (let tried = 0; tried < BLOCK; tried++) {
    const port = base + (next++ % BLOCK);
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port in ${base}…${base + BLOCK - 1}`);
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ port, host: '127.0.0.1', exclusive: true }, () => probe.close(() => resolve(true)));
  });
}
