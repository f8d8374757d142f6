/**
 * A throwaway Docker Engine for the Compose and Swarm tests: its own data root, exec root and socket
 * under a temp dir, no default bridge and no iptables changes, an image imported from the local
 * busybox (no registry is reachable), stopped by PID afterwards (swarm left, networks pruned,
 * `docker_gwbridge` deleted). Needs root and the Debian packages docker.io, docker-compose and
 * busybox-static (test/setup/install.sh installs them).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, copyFileSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

export const DOCKERD = '/usr/sbin/dockerd';
/** Debian's CLI, matching the daemon (another `docker` on PATH may be newer). */
export const DOCKER_CLI = existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker';
export const DOCKER_COMPOSE = '/usr/bin/docker-compose';
export const BUSYBOX = '/bin/busybox';
export const IMAGE = 'opsbot-bbox:latest';

export interface Dockerd {
  readonly dir: string;
  readonly host: string;
  /** Runs the Docker CLI against this daemon. */
  docker(args: readonly string[]): Promise<string>;
  stop(): Promise<void>;
}

/** Why the daemon cannot run here, or null when it can be tried. */
export function dockerdUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'dockerd needs root';
  for (const [file, pkg] of [[DOCKERD, 'docker.io'], [DOCKER_COMPOSE, 'docker-compose'], [BUSYBOX, 'busybox-static']] as const) {
    if (!existsSync(file)) return `${file} is missing (Debian package ${pkg}; run test/setup/install.sh)`;
  }
  return null;
}

export async function startDockerd(): Promise<Dockerd> {
  const dir = mkdtempSync(join(tmpdir(), 'opsbot-dockerd-'));
  const socket = join(dir, 'docker.sock');
  const host = `unix://${socket}`;
  const log = openSync(join(dir, 'dockerd.log'), 'a');
  const child: ChildProcess = spawn(
    DOCKERD,
    ['--data-root', join(dir, 'data'), '--exec-root', join(dir, 'exec'), '--pidfile', join(dir, 'dockerd.pid'), '-H', host, '--bridge=none', '--iptables=false'],
    // Its own process group, so stopping it never touches the test runner's.
    { detached: true, stdio: ['ignore', log, log] },
  );
  closeSync(log);
  const docker = async (args: readonly string[]): Promise<string> => (await execa(DOCKER_CLI, args, { env: { DOCKER_HOST: host }, stdin: 'ignore' })).stdout;

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.pid !== undefined) {
      await docker(['swarm', 'leave', '--force']).catch(() => undefined);
      const ids = await docker(['ps', '-aq']).catch(() => '');
      if (ids.trim() !== '') await docker(['rm', '-f', ...ids.trim().split('\n')]).catch(() => undefined);
      await docker(['network', 'prune', '-f']).catch(() => undefined);
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      process.kill(child.pid, 'SIGTERM');
      const killed = await Promise.race([exited.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 20_000))]);
      if (!killed) {
        process.kill(-child.pid, 'SIGKILL');
        await exited;
      }
    }
    // Swarm leaves this bridge behind even after `swarm leave`.
    await execa('ip', ['link', 'delete', 'docker_gwbridge'], { reject: false });
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  };

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      const tail = readFileSync(join(dir, 'dockerd.log'), 'utf8').split('\n').slice(-15).join('\n');
      await stop();
      throw new Error(`dockerd exited with ${child.exitCode} while starting:\n${tail}`);
    }
    const ready = await docker(['version', '--format', '{{.Server.Version}}']).then(
      () => true,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error('dockerd did not answer within 60 s');
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }

  // An image without a registry: a static busybox as the whole root filesystem.
  const rootfs = join(dir, 'rootfs');
  mkdirSync(join(rootfs, 'bin'), { recursive: true });
  copyFileSync(BUSYBOX, join(rootfs, 'bin', 'busybox'));
  for (const applet of ['sh', 'httpd', 'sleep', 'true', 'false']) symlinkSync('busybox', join(rootfs, 'bin', applet));
  await execa('tar', ['-C', rootfs, '-cf', join(dir, 'rootfs.tar'), '.']);
  await docker(['import', '-c', 'CMD ["/bin/sh"]', join(dir, 'rootfs.tar'), IMAGE]);
  return { dir, host, docker, stop };
}
