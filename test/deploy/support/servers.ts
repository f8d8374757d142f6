/**
 * Real servers for the deploy tests, on loopback, in temp dirs, stopped by PID: sshd with throwaway
 * keys, HAProxy with a runtime API socket, nginx with an upstream include, and tiny node HTTP
 * backends standing in for the blue and green stacks. Commands as in ../shared/REAL-COMPONENTS.md.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
export { freePort } from '../../support/ports.js';
import { freePort } from '../../support/ports.js';

export function tempDir(prefix = 'opsbot-deploy-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`nothing listens on 127.0.0.1:${port}`);
    await sleep(30);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function killPid(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const until = Date.now() + 5_000;
  while (pidAlive(pid) && Date.now() < until) await sleep(20);
  if (pidAlive(pid)) process.kill(pid, 'SIGKILL');
}

function readPid(file: string): number {
  return Number(readFileSync(file, 'utf8').trim());
}

// ---------------------------------------------------------------------------------------------
// Colour backends: tiny HTTP servers whose answers a test can change.

export interface ColourBackend {
  readonly port: number;
  readonly name: string;
  /** Requests served so far. */
  served: number;
  /** Replaces the handler (e.g. to answer 500). */
  handle: (req: IncomingMessage, res: ServerResponse) => void;
  close(): Promise<void>;
}

export async function startColourBackend(name: string, body: () => string): Promise<ColourBackend> {
  const port = await freePort();
  const backend: ColourBackend = {
    port,
    name,
    served: 0,
    handle: (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(body());
    },
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
  const server: Server = createServer((req, res) => {
    backend.served += 1;
    backend.handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  return backend;
}

/** Sends requests to `url` one after another (keep-alive off) until `stop` resolves; counts failures. */
export async function clientLoop(url: string, stop: Promise<unknown>, seen: (body: string) => void = () => undefined): Promise<{ ok: number; failed: number; errors: string[] }> {
  let done = false;
  void stop.finally(() => {
    done = true;
  });
  const result = { ok: 0, failed: 0, errors: [] as string[] };
  while (!done) {
    try {
      const res = await fetch(url, { headers: { connection: 'close' }, signal: AbortSignal.timeout(5_000) });
      const text = await res.text();
      if (res.status === 200) {
        result.ok += 1;
        seen(text);
      } else {
        result.failed += 1;
        result.errors.push(`HTTP ${res.status}`);
      }
    } catch (error) {
      result.failed += 1;
      result.errors.push(error instanceof Error ? `${error.message} ${String((error.cause as Error | undefined)?.message ?? '')}` : String(error));
    }
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// HAProxy

export interface Haproxy {
  readonly dir: string;
  readonly socket: string;
  readonly port: number;
  readonly pid: number;
  stop(): Promise<void>;
}

export async function startHaproxy(servers: { blue: number; green: number }, live: 'blue' | 'green'): Promise<Haproxy> {
  const dir = tempDir('opsbot-haproxy-');
  const port = await freePort();
  const socket = join(dir, 'haproxy.sock');
  const cfg = join(dir, 'haproxy.cfg');
  writeFileSync(
    cfg,
    [
      'global',
      `  stats socket ${socket} mode 600 level admin`,
      'defaults',
      '  mode http',
      '  timeout connect 2s',
      '  timeout client 10s',
      '  timeout server 10s',
      'frontend fe',
      `  bind 127.0.0.1:${port}`,
      '  default_backend be',
      'backend be',
      `  server blue 127.0.0.1:${servers.blue}${live === 'blue' ? '' : ' disabled'}`,
      `  server green 127.0.0.1:${servers.green}${live === 'green' ? '' : ' disabled'}`,
      '',
    ].join('\n'),
  );
  const pidFile = join(dir, 'haproxy.pid');
  await execa('/usr/sbin/haproxy', ['-f', cfg, '-D', '-p', pidFile]);
  await waitForPort(port);
  const pid = readPid(pidFile);
  return {
    dir,
    socket,
    port,
    pid,
    async stop() {
      await killPid(pid);
      removeDir(dir);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// nginx

export interface Nginx {
  readonly dir: string;
  readonly port: number;
  readonly config: string;
  readonly errorLog: string;
  readonly include: string;
  readonly pid: number;
  stop(): Promise<void>;
}

export async function startNginx(servers: { blue: number; green: number }, live: 'blue' | 'green'): Promise<Nginx> {
  const dir = tempDir('opsbot-nginx-');
  const port = await freePort();
  const config = join(dir, 'nginx.conf');
  const errorLog = join(dir, 'error.log');
  const include = join(dir, 'active-upstream.conf');
  mkdirSync(join(dir, 'logs'));
  writeFileSync(include, `server 127.0.0.1:${servers[live]};\n`);
  writeFileSync(
    config,
    [
      // Tests run as root; workers as root too, so they can use the temp dirs.
      'user root;',
      'worker_processes 1;',
      `pid ${join(dir, 'nginx.pid')};`,
      `error_log ${errorLog};`,
      'events { worker_connections 256; }',
      'http {',
      `  access_log off;`,
      `  client_body_temp_path ${join(dir, 'client_body')};`,
      `  proxy_temp_path ${join(dir, 'proxy')};`,
      `  fastcgi_temp_path ${join(dir, 'fastcgi')};`,
      `  uwsgi_temp_path ${join(dir, 'uwsgi')};`,
      `  scgi_temp_path ${join(dir, 'scgi')};`,
      `  upstream app { include ${include}; }`,
      `  server { listen 127.0.0.1:${port}; location / { proxy_pass http://app; } }`,
      '}',
      '',
    ].join('\n'),
  );
  await execa('/usr/sbin/nginx', ['-p', dir, '-c', config, '-e', errorLog]);
  await waitForPort(port);
  const pid = readPid(join(dir, 'nginx.pid'));
  return {
    dir,
    port,
    config,
    errorLog,
    include,
    pid,
    async stop() {
      await killPid(pid);
      removeDir(dir);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// sshd

export interface Sshd {
  readonly dir: string;
  readonly port: number;
  readonly clientKey: string;
  /** known_hosts pinning this sshd's host key for [127.0.0.1]:port. */
  readonly knownHosts: string;
  /** The same, but with another key: a changed host key. */
  readonly wrongKnownHosts: string;
  readonly pid: number;
  stop(): Promise<void>;
}

export async function startSshd(): Promise<Sshd> {
  const dir = tempDir('opsbot-sshd-');
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const port = await freePort();
  for (const name of ['host_key', 'client_key', 'other_key']) {
    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, name)]);
  }
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'client_key.pub')));
  const cfg = join(dir, 'sshd_config');
  writeFileSync(
    cfg,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(dir, 'host_key')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'StrictModes no',
      'UsePAM no',
      '',
    ].join('\n'),
  );
  const hostPub = readFileSync(join(dir, 'host_key.pub'), 'utf8').trim().split(/\s+/);
  const otherPub = readFileSync(join(dir, 'other_key.pub'), 'utf8').trim().split(/\s+/);
  const knownHosts = join(dir, 'known_hosts');
  const wrongKnownHosts = join(dir, 'wrong_known_hosts');
  writeFileSync(knownHosts, `[127.0.0.1]:${port} ${hostPub[0]} ${hostPub[1]}\n`);
  writeFileSync(wrongKnownHosts, `[127.0.0.1]:${port} ${otherPub[0]} ${otherPub[1]}\n`);
  const child = execa('/usr/sbin/sshd', ['-f', cfg, '-D', '-E', join(dir, 'sshd.log')], { reject: false, stdin: 'ignore' });
  await waitForPort(port);
  const pid = child.pid ?? 0;
  return {
    dir,
    port,
    clientKey: join(dir, 'client_key'),
    knownHosts,
    wrongKnownHosts,
    pid,
    async stop() {
      await killPid(pid);
      await child;
      removeDir(dir);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Processes

/** Pids of every live process whose process group is `pgid`. */
export function processGroup(pgid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSafe('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command (which is in parentheses and may contain spaces).
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (rest[0] !== 'Z' && Number(rest[2]) === pgid) out.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}

/** Live processes whose command line contains `needle`. */
export function processesMatching(needle: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSafe('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      const state = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (state.slice(state.lastIndexOf(')') + 2).startsWith('Z')) continue;
      if (cmdline.includes(needle)) out.push(Number(entry));
    } catch {
      // gone
    }
  }
  return out;
}

/** Live child processes of this process whose command line contains `needle`. */
export function childrenMatching(needle: string): number[] {
  return processesMatching(needle).filter((pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === process.pid;
    } catch {
      return false;
    }
  });
}

export async function eventually(check: () => boolean, timeoutMs = 10_000): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (check()) return true;
    await sleep(50);
  }
  return check();
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
