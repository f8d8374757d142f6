/** What the HTTP benchmarks share: free ports, a stand-in Mattermost, readiness and peak RSS of a child. */
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
export { freePort } from '../../support/ports.js';

/** Stands in for Mattermost's REST API: every post and edit succeeds and is counted. */
export async function startMattermostStub(channelId: string): Promise<{ server: Server; url: string; requests: () => number }> {
  let requests = 0;
  let next = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url?.startsWith('/api/v4/posts') === true) requests++;
      res.writeHead(req.method === 'POST' ? 201 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: `benchpost${++next}`, channel_id: channelId, message: '' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests: () => requests };
}

/** Waits (up to 30 s) until `url` answers 200. */
export async function waitReady(url: string, bench: string): Promise<void> {
  const until = Date.now() + 30_000;
  for (;;) {
    const status = await fetch(url).then((r) => r.status, () => 0);
    if (status === 200) return;
    if (Date.now() > until) throw new Error(`${bench} bench: ${url} did not become ready`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The process's peak resident set (VmHWM), in MB; NaN when it cannot be read. */
export function peakRssMb(pid: number | undefined): Promise<number> {
  return statusMb(pid, 'VmHWM');
}

/** The process's resident set now (VmRSS), in MB; NaN when it cannot be read. */
export function currentRssMb(pid: number | undefined): Promise<number> {
  return statusMb(pid, 'VmRSS');
}

async function statusMb(pid: number | undefined, field: 'VmHWM' | 'VmRSS'): Promise<number> {
  if (pid === undefined) return Number.NaN;
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = new RegExp(`${field}:\\s+(\\d+)\\s+kB`).exec(status)?.[1];
  return kb === undefined ? Number.NaN : Number(kb) / 1024;
}
