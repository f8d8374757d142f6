/**
 * A real blue/green rig for the deploy benchmark: the shipped deploy-colour playbook (connection
 * local) writing releases into a temp dir, two node HTTP backends serving what it wrote, and a real
 * HAProxy in front (runtime API socket). Everything on loopback, stopped by PID on close.
 */
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { packageRoot } from '../../../src/config/demo-path.js';
import { freePort } from '../../support/ports.js';

export interface DeployRig {
  readonly dir: string;
  readonly playbooks: string;
  readonly haproxySocket: string;
  readonly frontendPort: number;
  readonly ports: { readonly blue: number; readonly green: number };
  close(): Promise<void>;
}

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`deploy bench: nothing listens on 127.0.0.1:${port}`);
}

export async function startDeployRig(): Promise<DeployRig> {
  if (!existsSync('/usr/sbin/haproxy') || !existsSync('/usr/bin/ansible-playbook')) {
    throw new Error('deploy bench needs haproxy and ansible (bash test/setup/install.sh installs them)');
  }
  const dir = await mkdtemp(join(tmpdir(), 'opsbot-bench-deploy-'));
  const playbooks = join(dir, 'playbooks');
  cpSync(join(packageRoot(dirname(fileURLToPath(import.meta.url))), 'playbooks'), playbooks, { recursive: true });
  const ports = { blue: await freePort(), green: await freePort() };
  const servers: Server[] = [];
  for (const colour of ['blue', 'green'] as const) {
    const server = createServer((_req, res) => {
      const file = join(dir, 'app', colour, 'version');
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`ok ${colour} ${existsSync(file) ? readFileSync(file, 'utf8').trim() : 'none'}`);
    });
    await new Promise<void>((resolve) => server.listen(ports[colour], '127.0.0.1', () => resolve()));
    servers.push(server);
  }
  const frontendPort = await freePort();
  const haproxySocket = join(dir, 'haproxy.sock');
  const cfg = join(dir, 'haproxy.cfg');
  writeFileSync(
    cfg,
    [
      'global',
      `  stats socket ${haproxySocket} mode 600 level admin`,
      'defaults',
      '  mode http',
      '  timeout connect 2s',
      '  timeout client 10s',
      '  timeout server 10s',
      'frontend fe',
      `  bind 127.0.0.1:${frontendPort}`,
      '  default_backend be',
      'backend be',
      `  server blue 127.0.0.1:${ports.blue}`,
      `  server green 127.0.0.1:${ports.green} disabled`,
      '',
    ].join('\n'),
  );
  const pidFile = join(dir, 'haproxy.pid');
  await execa('/usr/sbin/haproxy', ['-f', cfg, '-D', '-p', pidFile]);
  await waitForPort(frontendPort);
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  return {
    dir,
    playbooks,
    haproxySocket,
    frontendPort,
    ports,
    async close() {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
      for (const server of servers) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
